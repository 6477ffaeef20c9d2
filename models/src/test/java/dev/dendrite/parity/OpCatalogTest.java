package dev.dendrite.parity;

import dev.dendrite.DType;
import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The catalog's own invariants (the integration tests run it; this checks it is well formed). */
class OpCatalogTest {
    private final List<OpCase> cases = OpCatalog.all();

    @Test
    void idsAreUniqueSoReportRowsAreUnambiguous() {
        Set<String> seen = new HashSet<>();
        for (OpCase c : cases) assertTrue(seen.add(c.id()), "duplicate catalog id " + c.id());
        Set<String> errors = new HashSet<>();
        for (ErrorCase e : ErrorCase.all()) assertTrue(errors.add(e.id()), "duplicate error case " + e.id());
    }

    @Test
    void everyToleranceSaysWhy() {
        for (OpCase c : cases)
            for (DType dt : c.dtypes()) assertFalse(c.tolerance().forDType(dt).why().isBlank(), c.id() + " " + dt + " has no reason for its tolerance");
    }

    @Test
    void floatCasesRunInBothFloatDtypesAndIntegerCasesInOne() {
        for (OpCase c : cases) {
            if (c.isFloat()) assertEquals(List.of(DType.FLOAT32, DType.FLOAT64), c.dtypes(), c.id());
            else assertEquals(1, c.dtypes().size(), c.id());
            if (!c.isFloat()) assertFalse(c.differentiable(), c.id() + ": integer cases have no gradient");
        }
    }

    @Test
    void seedsDependOnTheCaseNotOnItsPositionInTheCatalog() {
        OpCase a = cases.get(0), b = cases.get(1);
        assertEquals(a.seedOf(0), OpCatalog.all().get(0).seedOf(0));
        assertFalse(a.seedOf(0) == b.seedOf(0));
        assertFalse(a.seedOf(0) == a.seedOf(1));
    }

    @Test
    void theAwkwardSituationsOfTheIssueAreAllPresent() {
        String all = String.join("\n", cases.stream().map(OpCase::id).toList()).toLowerCase(java.util.Locale.ROOT);
        for (String s : new String[]{"odd sizes", "broadcast", "rank 0", "zero-size", "non-contiguous", "stride (2,1)", "dilation (2,1) with groups",
                "depthwise", "padded variable-length", "bidirectional"})
            assertTrue(all.contains(s), "no case for '" + s + "'");
    }
}
