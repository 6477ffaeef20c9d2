package dev.dendrite;

import dev.dendrite.spi.Backend;
import dev.dendrite.spi.Storage;

import java.lang.reflect.Proxy;

/**
 * Backends for engine-api tests, which cannot see a real one: they allocate storages that hold no
 * data, so tensors exist (shape, dtype, device) for the shape and operand checks, and every numeric
 * method throws. Built as a dynamic proxy so they keep compiling when the SPI grows.
 */
final class FakeBackends {
    private FakeBackends() {
    }

    /** Storage with a dtype and a length and nothing else. */
    record FakeStorage(DType dtype, int length) implements Storage {
    }

    /** A backend named {@code name} serving device {@code name:ordinal}. */
    static Backend backend(String name, int ordinal) {
        Device device = new Device(name, ordinal);
        return (Backend) Proxy.newProxyInstance(Backend.class.getClassLoader(), new Class<?>[]{Backend.class},
                (proxy, method, args) -> switch (method.getName()) {
                    case "name" -> name;
                    case "device" -> device;
                    case "allocate" -> new FakeStorage((DType) args[0], (Integer) args[1]);
                    case "free", "close" -> null;
                    case "toString" -> "FakeBackend(" + device + ")";
                    case "hashCode" -> System.identityHashCode(proxy);
                    case "equals" -> proxy == args[0];
                    default -> throw new UnsupportedOperationException("fake backend " + device + " does not implement " + method.getName());
                });
    }

    /** A tensor with no data of the given shape and dtype on {@code backend}. */
    static Tensor tensor(Backend backend, DType dtype, int... dims) {
        return Tensor.empty(Shape.of(dims), dtype, backend);
    }
}
