package dev.dendrite;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

class ShapeTest {

    @Test
    void scalarHasRankZeroAndOneElement() {
        Shape s = Shape.of();
        assertSame(Shape.scalar(), s);
        assertEquals(0, s.rank());
        assertEquals(1, s.numel());
        assertEquals("[]", s.toString());
        assertArrayEquals(new int[0], s.contiguousStrides());
    }

    @Test
    void sizesElementsAndNegativeAxes() {
        Shape s = Shape.of(2, 3, 4);
        assertEquals(3, s.rank());
        assertEquals(24, s.numel());
        assertEquals(2, s.dim(0));
        assertEquals(4, s.dim(-1));
        assertEquals(2, s.dim(-3));
        assertEquals("[2, 3, 4]", s.toString());
        assertEquals(0, s.normalizeAxis(-3));
        assertEquals(2, s.normalizeAxis(2));
    }

    @Test
    void zeroSizedDimensionsGiveNoElements() {
        Shape s = Shape.of(2, 0, 3);
        assertEquals(0, s.numel());
        // Strides stay those of the shape with 0 read as 1, so they are never 0 for a real dimension.
        assertArrayEquals(new int[]{3, 3, 1}, s.contiguousStrides());
    }

    @Test
    void rowMajorStrides() {
        assertArrayEquals(new int[]{12, 4, 1}, Shape.of(2, 3, 4).contiguousStrides());
        assertArrayEquals(new int[]{1}, Shape.of(5).contiguousStrides());
        assertArrayEquals(new int[]{4, 4, 1}, Shape.of(2, 1, 4).contiguousStrides());
    }

    @Test
    void isImmutable() {
        int[] dims = {2, 3};
        Shape s = Shape.of(dims);
        dims[0] = 7;
        assertEquals(2, s.dim(0));
        int[] out = s.toArray();
        out[1] = 9;
        assertEquals(3, s.dim(1));
        assertNotSame(s.toArray(), s.toArray());
    }

    @Test
    void withDimReplacesOneSize() {
        assertEquals(Shape.of(2, 7, 4), Shape.of(2, 3, 4).withDim(1, 7));
        assertEquals(Shape.of(2, 3, 0), Shape.of(2, 3, 4).withDim(-1, 0));
        assertEquals(Shape.of(2, 3, 4), Shape.of(2, 3, 4)); // the original is untouched
    }

    @Test
    void equalityIsBySizes() {
        assertEquals(Shape.of(2, 3), Shape.of(2, 3));
        assertEquals(Shape.of(2, 3).hashCode(), Shape.of(2, 3).hashCode());
        assertNotEquals(Shape.of(2, 3), Shape.of(3, 2));
        assertNotEquals(Shape.of(6), Shape.of(6, 1));
        assertNotEquals(Shape.of(), Shape.of(1));
    }

    @Test
    void rejectsBadShapesNamingThem() {
        assertEquals("shape: negative dimension in [2, -1]",
                assertThrows(IllegalArgumentException.class, () -> Shape.of(2, -1)).getMessage());
        assertEquals("shape: [65536, 65536] has more than 2^31-1 elements",
                assertThrows(IllegalArgumentException.class, () -> Shape.of(65536, 65536)).getMessage());
        assertEquals("shape: negative dimension in [2, -5]",
                assertThrows(IllegalArgumentException.class, () -> Shape.of(2, 3).withDim(1, -5)).getMessage());
    }

    @Test
    void axisOutOfRangeNamesAxisShapeAndRank() {
        Shape s = Shape.of(2, 3);
        assertEquals("axis 2 is out of range for shape [2, 3] (rank 2)",
                assertThrows(IllegalArgumentException.class, () -> s.normalizeAxis(2)).getMessage());
        assertEquals("axis -3 is out of range for shape [2, 3] (rank 2)",
                assertThrows(IllegalArgumentException.class, () -> s.dim(-3)).getMessage());
        assertEquals("axis 0 is out of range for shape [] (rank 0)",
                assertThrows(IllegalArgumentException.class, () -> Shape.of().dim(0)).getMessage());
    }
}
