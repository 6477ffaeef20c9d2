package dev.dendrite;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;

/**
 * Frees, when closed, every tensor created inside it on this thread, except those moved out with
 * {@link #keep(Tensor)} (which hands a tensor to the enclosing scope, or to no scope at the top).
 * Scopes nest; a tensor belongs to the innermost scope open when it was created. Using a freed
 * tensor throws, naming its shape and the scope that freed it.
 * <pre>{@code
 * try (MemoryScope scope = MemoryScope.open()) {
 *     Tensor h = x.matmul(w1).add(b1).relu();
 *     return MemoryScope.keep(h.matmul(w2).add(b2));   // survives; h and temporaries are freed here
 * }
 * }</pre>
 * A strict scope ({@link #openStrict()}, or every scope under {@code -Ddendrite.memory.strict=true})
 * also checks, when it closes, that no storage allocated inside is still live other than through
 * kept tensors, and throws naming the bytes and where the first leaked storage was allocated.
 */
public final class MemoryScope implements AutoCloseable {
    private static final ThreadLocal<MemoryScope> CURRENT = new ThreadLocal<>();
    private static final boolean STRICT_BY_DEFAULT = Boolean.getBoolean("dendrite.memory.strict");

    private final MemoryScope parent;
    private final List<Tensor> owned = new ArrayList<>();
    private final boolean strict;
    private final String openedAt;
    private final List<StorageHandle> allocatedInside;
    private final Set<StorageHandle> keptStorages;
    private final Thread thread = Thread.currentThread();
    private boolean closed;

    private MemoryScope(boolean strict) {
        this.parent = CURRENT.get();
        this.strict = strict || STRICT_BY_DEFAULT || (parent != null && parent.strict);
        StackWalker.StackFrame caller = callerFrame();
        this.openedAt = caller == null ? "unknown" : caller.getFileName() + ":" + caller.getLineNumber();
        this.allocatedInside = this.strict ? new ArrayList<>() : null;
        this.keptStorages = this.strict ? Collections.newSetFromMap(new IdentityHashMap<>()) : null;
        CURRENT.set(this);
    }

    /** Opens a scope on this thread. */
    public static MemoryScope open() {
        return new MemoryScope(false);
    }

    /** Opens a scope that fails on close if anything allocated inside is still live (tests use this). */
    public static MemoryScope openStrict() {
        return new MemoryScope(true);
    }

    /** The innermost open scope of this thread, or null. */
    public static MemoryScope current() {
        return CURRENT.get();
    }

    /** Moves {@code t} to the enclosing scope (or out of all scopes) so this scope's close leaves it alive. */
    public static Tensor keep(Tensor t) {
        MemoryScope s = t.scope;
        if (s != null) {
            t.scope = s.parent;
            if (s.parent != null) s.parent.owned.add(t);
            s.noteKept(t);
        }
        return t;
    }

    /** Takes {@code t} out of every scope: it lives until closed explicitly (parameters, optimizer state, gradients). */
    public static Tensor release(Tensor t) {
        MemoryScope s = t.scope;
        t.scope = null;
        for (MemoryScope p = s; p != null; p = p.parent) p.noteKept(t);
        return t;
    }

    private void noteKept(Tensor t) {
        if (keptStorages != null) keptStorages.add(t.handle);
    }

    static void register(Tensor t) {
        MemoryScope s = CURRENT.get();
        if (s != null) {
            s.owned.add(t);
            t.scope = s;
        }
    }

    static void registerAllocation(StorageHandle h) {
        for (MemoryScope s = CURRENT.get(); s != null; s = s.parent)
            if (s.allocatedInside != null) s.allocatedInside.add(h);
    }

    static boolean trackAllocationSites() {
        MemoryScope s = CURRENT.get();
        return s != null && s.strict;
    }

    String description() {
        return "MemoryScope opened at " + openedAt;
    }

    @Override
    public void close() {
        if (closed) return;
        if (Thread.currentThread() != thread)
            throw new IllegalStateException(description() + " closed on thread " + Thread.currentThread().getName()
                    + " but opened on " + thread.getName());
        if (CURRENT.get() != this)
            throw new IllegalStateException(description() + " closed while an inner scope is still open (close inner scopes first)");
        closed = true;
        CURRENT.set(parent);
        for (Tensor t : owned) {
            if (t.scope == this) t.freeByScope(this);
        }
        owned.clear();
        if (allocatedInside != null) checkLeaks();
    }

    private void checkLeaks() {
        long bytes = 0;
        int count = 0;
        StorageHandle first = null;
        for (StorageHandle h : allocatedInside) {
            if (h.isLive() && !keptStorages.contains(h)) {
                bytes += h.storage.byteSize();
                count++;
                if (first == null) first = h;
            }
        }
        if (count > 0) {
            IllegalStateException e = new IllegalStateException(description() + " leaked " + bytes + " bytes in " + count
                    + " storage(s) still live after close; the first was allocated at the cause's stack trace");
            if (first.allocationSite != null) e.initCause(first.allocationSite);
            throw e;
        }
    }

    /**
     * The frame that opened the scope, for messages. A {@code StackWalker} stops at the first frame
     * outside this class; {@code new Throwable().getStackTrace()} materialised the whole stack, which
     * cost a training step (a dozen scopes: one per step, one per parameter update) a tenth of a millisecond.
     */
    private static StackWalker.StackFrame callerFrame() {
        return WALKER.walk(frames -> frames.filter(f -> !f.getClassName().equals(MemoryScope.class.getName())).findFirst()).orElse(null);
    }

    private static final StackWalker WALKER = StackWalker.getInstance();
}
