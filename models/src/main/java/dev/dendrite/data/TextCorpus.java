package dev.dendrite.data;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * A text for a character-level language model, split into a training part and a held-out
 * validation part (the last fraction of the text, so no validation window overlaps a training one).
 *
 * @param text   the whole text, files concatenated in the order read
 * @param source where it came from, for messages ({@code 15 files in /usr/share/common-licenses})
 */
public record TextCorpus(String text, String source) {
    /**
     * The English licence texts every Debian system installs (GPL, LGPL, GFDL, Apache, MPL, ...),
     * about 240,000 characters: the default corpus of {@code dendrite train charlm}.
     */
    public static final Path DEBIAN_LICENCES = Path.of("/usr/share/common-licenses");

    public TextCorpus {
        if (text == null || text.isEmpty()) throw new IllegalArgumentException("TextCorpus: empty text from " + source);
    }

    /**
     * Reads UTF-8 text from files and directories. A directory contributes its regular files in name
     * order (not recursively); symbolic links inside it are skipped, because Debian's
     * {@code common-licenses} has links such as {@code GPL → GPL-3} that would duplicate a text
     * (and put copies of training text into the validation part). Files named directly are read
     * even when they are links.
     */
    public static TextCorpus load(List<Path> paths) throws IOException {
        if (paths.isEmpty()) throw new IllegalArgumentException("TextCorpus.load: no files given");
        List<Path> files = new ArrayList<>();
        for (Path p : paths) {
            if (Files.isDirectory(p)) {
                try (Stream<Path> s = Files.list(p)) {
                    s.filter(f -> Files.isRegularFile(f, LinkOption.NOFOLLOW_LINKS)).sorted().forEach(files::add);
                }
            } else if (Files.isRegularFile(p)) {
                files.add(p);
            } else {
                throw new IllegalArgumentException("TextCorpus.load: " + p + " is neither a file nor a directory"
                        + (p.equals(DEBIAN_LICENCES) ? " (it ships with Debian's base-files; pass --text FILE elsewhere)" : ""));
            }
        }
        if (files.isEmpty()) throw new IllegalArgumentException("TextCorpus.load: no regular files in " + paths);
        StringBuilder sb = new StringBuilder();
        for (Path f : files) {
            try {
                sb.append(Files.readString(f, StandardCharsets.UTF_8));
            } catch (java.nio.charset.MalformedInputException e) {
                throw new IllegalArgumentException("TextCorpus.load: " + f + " is not UTF-8 text", e);
            } catch (IOException e) {
                throw new UncheckedIOException("TextCorpus.load: cannot read " + f, e);
            }
        }
        String source = files.size() == 1 ? files.get(0).toString()
                : files.size() + " files in " + (paths.size() == 1 ? paths.get(0).toString() : paths.toString());
        return new TextCorpus(sb.toString(), source);
    }

    /** Number of characters (code points). */
    public int length() {
        return text.codePointCount(0, text.length());
    }

    /**
     * The text cut at a code-point boundary: training part first, then the last
     * {@code validationFraction} of the characters.
     * @return {@code [train, validation]}
     */
    public String[] split(double validationFraction) {
        if (!(validationFraction > 0 && validationFraction < 1))
            throw new IllegalArgumentException("TextCorpus.split: validation fraction must be in (0, 1), got " + validationFraction);
        int n = length();
        int cut = (int) Math.round(n * (1 - validationFraction));
        if (cut < 2 || n - cut < 2)
            throw new IllegalArgumentException("TextCorpus.split: " + n + " characters from " + source + " are too few to split "
                    + (1 - validationFraction) + " / " + validationFraction);
        int at = text.offsetByCodePoints(0, cut);
        return new String[]{text.substring(0, at), text.substring(at)};
    }
}
