package dev.dendrite.kernels;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Just enough of the C preprocessor to expand the kernel files' own instantiation macros without a CUDA
 * compiler: comments, line continuations, object- and function-like {@code #define}s, {@code ##} pasting
 * and rescanning. Arguments are substituted unexpanded (the files pass plain identifiers and types, for
 * which that is equivalent); conditionals and includes are ignored, so only macros defined in the file
 * itself are expanded. Used to list the {@code extern "C" __global__} kernels and their parameter lists.
 */
final class MiniPreprocessor {
    private record Macro(List<String> params, String body) {
        boolean functionLike() {
            return params != null;
        }
    }

    private static final Pattern KERNEL = Pattern.compile("extern\\s+\"C\"\\s+__global__\\s+void\\s+(\\w+)\\s*\\(");

    private final Map<String, Macro> macros = new HashMap<>();

    /** Kernel name → normalised parameter list (single spaces, no newlines), in definition order. */
    static Map<String, String> kernels(String source) {
        String expanded = new MiniPreprocessor().expandFile(source);
        Map<String, String> out = new LinkedHashMap<>();
        Matcher m = KERNEL.matcher(expanded);
        while (m.find()) {
            int open = m.end() - 1, depth = 0, close = open;
            for (int i = open; i < expanded.length(); i++) {
                char c = expanded.charAt(i);
                if (c == '(') depth++;
                else if (c == ')' && --depth == 0) { close = i; break; }
            }
            String params = expanded.substring(open + 1, close).replaceAll("\\s+", " ").trim();
            if (out.put(m.group(1), params) != null)
                throw new IllegalStateException("kernel " + m.group(1) + " is defined twice");
        }
        return out;
    }

    String expandFile(String source) {
        String text = stripComments(source).replace("\\\r\n", " ").replace("\\\n", " ");
        StringBuilder out = new StringBuilder();
        for (String line : text.split("\n", -1)) {
            String t = line.trim();
            if (t.startsWith("#")) {
                String directive = t.substring(1).trim();
                if (directive.startsWith("define")) define(directive.substring("define".length()).trim());
                out.append('\n');
                continue;
            }
            out.append(expand(line, new HashSet<>(), 0)).append('\n');
        }
        return out.toString();
    }

    private void define(String rest) {
        int i = 0;
        while (i < rest.length() && isIdent(rest.charAt(i))) i++;
        String name = rest.substring(0, i);
        if (i < rest.length() && rest.charAt(i) == '(') {
            int close = rest.indexOf(')', i);
            List<String> params = new ArrayList<>();
            for (String p : rest.substring(i + 1, close).split(",")) if (!p.isBlank()) params.add(p.trim());
            macros.put(name, new Macro(params, rest.substring(close + 1).trim()));
        } else {
            macros.put(name, new Macro(null, rest.substring(i).trim()));
        }
    }

    private String expand(String text, Set<String> disabled, int depth) {
        if (depth > 64) throw new IllegalStateException("macro expansion too deep in: " + text);
        StringBuilder out = new StringBuilder();
        int i = 0, n = text.length();
        while (i < n) {
            char c = text.charAt(i);
            if (c == '"') {                       // string literal: copy verbatim
                int j = i + 1;
                while (j < n && text.charAt(j) != '"') j += text.charAt(j) == '\\' ? 2 : 1;
                out.append(text, i, Math.min(n, j + 1));
                i = j + 1;
                continue;
            }
            if (!isIdentStart(c) || (i > 0 && isIdent(text.charAt(i - 1)))) {
                out.append(c);
                i++;
                continue;
            }
            int j = i;
            while (j < n && isIdent(text.charAt(j))) j++;
            String word = text.substring(i, j);
            Macro m = macros.get(word);
            if (m == null || disabled.contains(word)) {
                out.append(word);
                i = j;
                continue;
            }
            Set<String> inner = new HashSet<>(disabled);
            inner.add(word);
            if (!m.functionLike()) {
                out.append(expand(m.body(), inner, depth + 1));
                i = j;
                continue;
            }
            int k = j;
            while (k < n && Character.isWhitespace(text.charAt(k))) k++;
            if (k >= n || text.charAt(k) != '(') {  // a function-like macro name without arguments is not a call
                out.append(word);
                i = j;
                continue;
            }
            List<String> args = new ArrayList<>();
            int level = 0, start = k + 1, p = k;
            for (; p < n; p++) {
                char ch = text.charAt(p);
                if (ch == '(') level++;
                else if (ch == ')') {
                    if (--level == 0) { args.add(text.substring(start, p).trim()); break; }
                } else if (ch == ',' && level == 1) {
                    args.add(text.substring(start, p).trim());
                    start = p + 1;
                }
            }
            if (p >= n) throw new IllegalStateException("unterminated call of macro " + word);
            if (args.size() != m.params().size() && !(m.params().isEmpty() && args.size() == 1 && args.get(0).isEmpty()))
                throw new IllegalStateException("macro " + word + " takes " + m.params().size() + " arguments, got " + args);
            out.append(expand(substitute(m, args), inner, depth + 1));
            i = p + 1;
        }
        return out.toString();
    }

    /** Replaces parameters by arguments in the body, then performs {@code ##} pasting. */
    private static String substitute(Macro m, List<String> args) {
        String body = m.body();
        StringBuilder sb = new StringBuilder();
        int i = 0, n = body.length();
        while (i < n) {
            char c = body.charAt(i);
            if (isIdentStart(c) && (i == 0 || !isIdent(body.charAt(i - 1)))) {
                int j = i;
                while (j < n && isIdent(body.charAt(j))) j++;
                String word = body.substring(i, j);
                int idx = m.params().indexOf(word);
                sb.append(idx >= 0 ? args.get(idx) : word);
                i = j;
            } else {
                sb.append(c);
                i++;
            }
        }
        return sb.toString().replaceAll("\\s*##\\s*", "");
    }

    private static String stripComments(String s) {
        StringBuilder out = new StringBuilder(s.length());
        int i = 0, n = s.length();
        while (i < n) {
            char c = s.charAt(i);
            if (c == '"') {
                int j = i + 1;
                while (j < n && s.charAt(j) != '"' && s.charAt(j) != '\n') j += s.charAt(j) == '\\' ? 2 : 1;
                out.append(s, i, Math.min(n, j + 1));
                i = j + 1;
            } else if (c == '/' && i + 1 < n && s.charAt(i + 1) == '/') {
                while (i < n && s.charAt(i) != '\n') i++;
            } else if (c == '/' && i + 1 < n && s.charAt(i + 1) == '*') {
                int end = s.indexOf("*/", i + 2);
                String comment = s.substring(i, end < 0 ? n : end + 2);
                for (char ch : comment.toCharArray()) if (ch == '\n') out.append('\n');   // keep line numbers
                i = end < 0 ? n : end + 2;
            } else {
                out.append(c);
                i++;
            }
        }
        return out.toString();
    }

    private static boolean isIdentStart(char c) {
        return Character.isLetter(c) || c == '_';
    }

    private static boolean isIdent(char c) {
        return Character.isLetterOrDigit(c) || c == '_';
    }
}
