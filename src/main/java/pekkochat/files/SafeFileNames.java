package pekkochat.files;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Turns a name chosen by a remote peer into a file name that is safe to create: no directory
 * parts, no {@code ..}, no control or path characters, never empty, never a device name, at most
 * {@value #MAX_BYTES} UTF-8 bytes, and never one that exists already.
 */
public final class SafeFileNames {

  /** Common file systems allow 255 bytes a name; leave room for " (123)" and ".part". */
  static final int MAX_BYTES = 200;

  private static final String FALLBACK = "file";

  private SafeFileNames() {}

  /** The last path element of {@code requested}, cleaned; never empty. */
  public static String baseName(String requested) {
    String name = requested == null ? "" : requested;
    int cut = Math.max(name.lastIndexOf('/'), name.lastIndexOf('\\'));
    name = name.substring(cut + 1);
    StringBuilder b = new StringBuilder(name.length());
    name.codePoints()
        .forEach(
            cp -> {
              if (Character.isISOControl(cp)
                  || Character.getType(cp) == Character.FORMAT
                  || cp == ':' || cp == '*' || cp == '?' || cp == '"' || cp == '<' || cp == '>'
                  || cp == '|') {
                b.append('_');
              } else {
                b.appendCodePoint(cp);
              }
            });
    name = b.toString().strip();
    // Leading dots would make "..", "." or a hidden file; trailing dots and spaces vanish on Windows.
    name = name.replaceAll("^\\.+", "").replaceAll("[. ]+$", "");
    if (name.isEmpty() || isReservedDeviceName(name)) {
      name = name.isEmpty() ? FALLBACK : "_" + name;
    }
    return truncateUtf8(name, MAX_BYTES);
  }

  /**
   * Creates a new empty file for {@code requested} in {@code dir}, appending {@code " (1)"},
   * {@code " (2)"}, ... before the extension until the name is free. Creation is atomic, so two
   * concurrent downloads of the same name never share a file.
   */
  public static Path createUnique(Path dir, String requested) throws IOException {
    return createUnique(dir, requested, "");
  }

  /**
   * Like {@link #createUnique(Path, String)}, but reserves both {@code name} and {@code
   * name + suffix}: the suffixed file is created (written while incomplete) and the plain one is
   * checked to be free, so a later rename to it will not clobber anything.
   */
  public static Path createUnique(Path dir, String requested, String suffix) throws IOException {
    Files.createDirectories(dir);
    String base = baseName(requested);
    int dot = base.lastIndexOf('.');
    String stem = dot > 0 ? base.substring(0, dot) : base;
    String ext = dot > 0 ? base.substring(dot) : "";
    for (int n = 0; n < 100_000; n++) {
      String candidate = n == 0 ? base : stem + " (" + n + ")" + ext;
      Path target = dir.resolve(candidate).normalize();
      // Compared as absolute paths: a relative dir such as "." normalizes to a parentless name.
      if (!dir.toAbsolutePath().normalize().equals(target.toAbsolutePath().normalize().getParent())) {
        throw new IOException("refusing to write outside " + dir);
      }
      if (Files.exists(target)) {
        continue;
      }
      Path created = suffix.isEmpty() ? target : target.resolveSibling(candidate + suffix);
      try {
        Files.createFile(created);
        return created;
      } catch (FileAlreadyExistsException taken) {
        // Someone else got this name first; try the next one.
      }
    }
    throw new IOException("no free file name for " + base + " in " + dir);
  }

  private static boolean isReservedDeviceName(String name) {
    String stem = name.contains(".") ? name.substring(0, name.indexOf('.')) : name;
    return stem.toUpperCase(Locale.ROOT).matches("CON|PRN|AUX|NUL|COM[0-9]|LPT[0-9]");
  }

  private static String truncateUtf8(String s, int maxBytes) {
    byte[] bytes = s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    if (bytes.length <= maxBytes) {
      return s;
    }
    int dot = s.lastIndexOf('.');
    String ext = dot > 0 && s.length() - dot <= 16 ? s.substring(dot) : "";
    StringBuilder b = new StringBuilder();
    int used = ext.getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
    for (int i = 0; i < s.length() - ext.length(); ) {
      int cp = s.codePointAt(i);
      int len = new String(Character.toChars(cp)).getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
      if (used + len > maxBytes) {
        break;
      }
      b.appendCodePoint(cp);
      used += len;
      i += Character.charCount(cp);
    }
    return b + ext;
  }
}
