package dev.dendrite.io;

import java.nio.file.Path;

/**
 * A safetensors file (or a request to write one) is malformed. The message reads
 * {@code safetensors: <file>: <what is wrong>}.
 *
 * <p>It is an {@link IllegalArgumentException} because the fault lies in the input, not in the
 * file system; I/O failures stay {@link java.io.IOException}s.
 */
public class SafeTensorsException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    private final transient Path file;
    private final String detail;

    /**
     * @param file the file being read or written
     * @param detail what is wrong, e.g. {@code tensor 'w' has dtype BF16, which is not supported}
     */
    public SafeTensorsException(Path file, String detail) {
        this(file, detail, null);
    }

    /** As {@link #SafeTensorsException(Path, String)}, keeping the underlying cause (e.g. a JSON parse error). */
    public SafeTensorsException(Path file, String detail, Throwable cause) {
        super("safetensors: " + file + ": " + detail, cause);
        this.file = file;
        this.detail = detail;
    }

    /** The file being read or written. */
    public Path file() {
        return file;
    }

    /** What is wrong, without the {@code safetensors: <file>:} prefix. */
    public String detail() {
        return detail;
    }
}
