package dev.dendrite;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class DeviceTest {

    @Test
    void parsesNameAndOptionalOrdinal() {
        assertEquals(new Device("cpu", 0), Device.parse("cpu"));
        assertEquals(Device.CPU, Device.parse("cpu"));
        assertEquals(new Device("cuda", 0), Device.parse("cuda"));
        assertEquals(new Device("cuda", 1), Device.parse("cuda:1"));
        assertEquals(new Device("cuda", 12), Device.parse("cuda:12"));
    }

    @Test
    void printsCpuWithoutOrdinalAndOthersWithIt() {
        assertEquals("cpu", Device.CPU.toString());
        assertEquals("cuda:0", new Device("cuda", 0).toString());
        assertEquals("cuda:3", Device.parse("cuda:3").toString());
    }

    @Test
    void equalityIsByBackendAndOrdinal() {
        assertEquals(new Device("cuda", 1), new Device("cuda", 1));
        assertEquals(new Device("cuda", 1).hashCode(), new Device("cuda", 1).hashCode());
        assertNotEquals(new Device("cuda", 0), new Device("cuda", 1));
        assertNotEquals(new Device("cuda", 0), Device.CPU);
    }

    @Test
    void rejectsBadInputNamingIt() {
        assertEquals("device: cannot parse 'cuda:x', expected name or name:ordinal",
                assertThrows(IllegalArgumentException.class, () -> Device.parse("cuda:x")).getMessage());
        assertEquals("device: cannot parse 'cuda:', expected name or name:ordinal",
                assertThrows(IllegalArgumentException.class, () -> Device.parse("cuda:")).getMessage());
        assertEquals("device: ordinal must be >= 0, got -1",
                assertThrows(IllegalArgumentException.class, () -> Device.parse("cuda:-1")).getMessage());
        assertEquals("device: backend name is empty",
                assertThrows(IllegalArgumentException.class, () -> Device.parse(":1")).getMessage());
        assertEquals("device: backend name is empty",
                assertThrows(IllegalArgumentException.class, () -> Device.parse("")).getMessage());
        assertEquals("device: backend name is empty",
                assertThrows(IllegalArgumentException.class, () -> new Device(null, 0)).getMessage());
    }
}
