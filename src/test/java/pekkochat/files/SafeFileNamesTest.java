package pekkochat.files;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

/** Tests of {@link SafeFileNames}: names chosen by a remote peer must be harmless. */
class SafeFileNamesTest {

  @TempDir Path tmp;

  // ---------------------------------------------------------------- baseName

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "../../etc/passwd      | passwd",
        "..\\..\\x.txt         | x.txt",
        "/etc/shadow           | shadow",
        "C:\\Users\\me\\a.doc  | a.doc",
        "dir/sub\\mixed.bin    | mixed.bin",
        "notes.txt             | notes.txt"
      })
  void baseNameKeepsOnlyTheLastPathElement(String requested, String expected) {
    assertEquals(expected, SafeFileNames.baseName(requested));
  }

  @ParameterizedTest
  @NullAndEmptySource
  @ValueSource(strings = {".", "..", "...", "   ", " . ", "dir/", "../", "..\\", "/", "\t"})
  void baseNameFallsBackToAHarmlessNonEmptyName(String requested) {
    String name = SafeFileNames.baseName(requested);

    assertHarmless(name);
  }

  @Test
  void baseNameDropsLeadingDotsAndTrailingDotsAndSpaces() {
    assertEquals("hidden", SafeFileNames.baseName(".hidden"));
    assertEquals("x.txt", SafeFileNames.baseName("...x.txt"));
    assertEquals("name.txt", SafeFileNames.baseName("name.txt. . "));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {"a\nb.txt", "a\u0000b.txt", "\u001b[31mred.txt", "evil\u202Etxt.exe", "tab\there", "del\u007f"})
  void baseNameReplacesControlAndFormatCharacters(String requested) {
    String name = SafeFileNames.baseName(requested);

    assertHarmless(name);
    assertEquals(requested.length(), name.length(), "each bad character is replaced, not dropped");
  }

  @Test
  void baseNameReplacesSpecificBadCharactersWithUnderscores() {
    assertEquals("a_b.txt", SafeFileNames.baseName("a\nb.txt"));
    assertEquals("evil_txt.exe", SafeFileNames.baseName("evil\u202Etxt.exe"));
    assertEquals("a__b_c_.txt", SafeFileNames.baseName("a::b*c?.txt"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"CON", "con", "nul.txt", "NUL.tar.gz", "aux", "PRN.log", "com1", "LPT9.txt"})
  void baseNameAltersReservedDeviceNames(String requested) {
    String name = SafeFileNames.baseName(requested);

    assertNotEquals(requested.toLowerCase(Locale.ROOT), name.toLowerCase(Locale.ROOT));
    assertFalse(isReservedDeviceName(name), name);
    assertHarmless(name);
  }

  @ParameterizedTest
  @ValueSource(strings = {"console.txt", "CONFIG", "nullable.java", "com.example.jar", "auxiliary"})
  void baseNameLeavesNamesThatOnlyResembleDevicesAlone(String requested) {
    assertEquals(requested, SafeFileNames.baseName(requested));
  }

  @ParameterizedTest
  @ValueSource(strings = {"résumé.pdf", "世界.txt", "Привет мир.doc", "emoji 🎉.png", "a b c"})
  void baseNameKeepsUnicodeNames(String requested) {
    assertEquals(requested, SafeFileNames.baseName(requested));
  }

  @ParameterizedTest
  @ValueSource(strings = {"x", "é", "世", "🎉"})
  void baseNameTruncatesLongNamesToTheByteLimitKeepingTheExtension(String unit) {
    String requested = unit.repeat(1000) + ".pdf";

    String name = SafeFileNames.baseName(requested);

    assertTrue(utf8Length(name) <= SafeFileNames.MAX_BYTES, () -> utf8Length(name) + " bytes");
    assertTrue(utf8Length(name) > SafeFileNames.MAX_BYTES - 8, "truncated no more than needed");
    assertTrue(name.endsWith(".pdf"), name);
    assertTrue(name.startsWith(unit.repeat(10)), name);
    assertEquals(name, new String(name.getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8),
        "no code point is cut in half");
  }

  @Test
  void baseNameTruncatesALongNameWithoutExtension() {
    String name = SafeFileNames.baseName("y".repeat(1000));

    assertEquals("y".repeat(SafeFileNames.MAX_BYTES), name);
  }

  // ---------------------------------------------------------------- createUnique

  @Test
  void createUniqueNumbersCollidingNamesBeforeTheExtension() throws IOException {
    Path first = SafeFileNames.createUnique(tmp, "notes.txt");
    Path second = SafeFileNames.createUnique(tmp, "notes.txt");
    Path third = SafeFileNames.createUnique(tmp, "notes.txt");

    assertEquals(tmp.resolve("notes.txt"), first);
    assertEquals(tmp.resolve("notes (1).txt"), second);
    assertEquals(tmp.resolve("notes (2).txt"), third);
    for (Path p : List.of(first, second, third)) {
      assertTrue(Files.isRegularFile(p), p.toString());
      assertEquals(0, Files.size(p));
      assertEquals(tmp, p.getParent());
    }
  }

  @Test
  void createUniqueNumbersNamesWithoutExtension() throws IOException {
    assertEquals(tmp.resolve("README"), SafeFileNames.createUnique(tmp, "README"));
    assertEquals(tmp.resolve("README (1)"), SafeFileNames.createUnique(tmp, "README"));
  }

  @Test
  void createUniqueNeverTouchesAFileThatExists() throws IOException {
    Path existing = Files.writeString(tmp.resolve("keep.txt"), "precious");

    Path created = SafeFileNames.createUnique(tmp, "keep.txt");

    assertEquals(tmp.resolve("keep (1).txt"), created);
    assertEquals("precious", Files.readString(existing));
  }

  @Test
  void createUniqueKeepsAHostileNameInsideTheDirectory() throws IOException {
    Path dir = tmp.resolve("a").resolve("b").resolve("received_files");

    Path created = SafeFileNames.createUnique(dir, "../../escape.txt");

    assertEquals(dir, created.getParent());
    assertEquals("escape.txt", created.getFileName().toString());
    assertTrue(Files.isRegularFile(created));
    assertEquals(List.of(created), regularFilesUnder(tmp), "nothing was created outside the directory");
  }

  @Test
  void createUniqueKeepsAnAbsoluteNameInsideTheDirectory() throws IOException {
    Path created = SafeFileNames.createUnique(tmp, "/etc/passwd");

    assertEquals(tmp.resolve("passwd"), created);
    assertEquals(List.of(created), regularFilesUnder(tmp));
  }

  @Test
  void createUniqueCreatesTheDirectoryWhenMissing() throws IOException {
    Path dir = tmp.resolve("new").resolve("downloads");

    Path created = SafeFileNames.createUnique(dir, "x.bin");

    assertEquals(dir.resolve("x.bin"), created);
    assertTrue(Files.isRegularFile(created));
  }

  @Test
  void createUniqueWithSuffixCreatesOnlyTheSuffixedFile() throws IOException {
    Path created = SafeFileNames.createUnique(tmp, "a.txt", ".part");

    assertEquals(tmp.resolve("a.txt.part"), created);
    assertTrue(Files.isRegularFile(created));
    assertFalse(Files.exists(tmp.resolve("a.txt")));
  }

  @Test
  void createUniqueWithSuffixSkipsANameWhosePlainFileExists() throws IOException {
    Files.createFile(tmp.resolve("a.txt"));

    Path created = SafeFileNames.createUnique(tmp, "a.txt", ".part");

    assertEquals(tmp.resolve("a (1).txt.part"), created);
  }

  @Test
  void createUniqueWithSuffixSkipsANameWhosePartialFileExists() throws IOException {
    Path first = SafeFileNames.createUnique(tmp, "a.txt", ".part");
    Path second = SafeFileNames.createUnique(tmp, "a.txt", ".part");

    assertEquals(tmp.resolve("a.txt.part"), first);
    assertEquals(tmp.resolve("a (1).txt.part"), second);
  }

  @Test
  void concurrentCallsForTheSameNameGetDistinctFiles() throws Exception {
    int threads = 8;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      CountDownLatch start = new CountDownLatch(1);
      Callable<Path> create =
          () -> {
            start.await();
            return SafeFileNames.createUnique(tmp, "same.txt");
          };
      List<Future<Path>> futures = new ArrayList<>();
      for (int i = 0; i < threads; i++) {
        futures.add(pool.submit(create));
      }
      start.countDown();
      Set<Path> created = new HashSet<>();
      for (Future<Path> f : futures) {
        created.add(f.get(10, TimeUnit.SECONDS));
      }

      Set<Path> expected = new HashSet<>();
      expected.add(tmp.resolve("same.txt"));
      for (int n = 1; n < threads; n++) {
        expected.add(tmp.resolve("same (" + n + ").txt"));
      }
      assertEquals(expected, created, "distinct paths, with no gaps in the numbering");
      created.forEach(p -> assertTrue(Files.isRegularFile(p), p.toString()));
    } finally {
      pool.shutdownNow();
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {".", ""})
  void createUniqueAcceptsTheWorkingDirectoryAsARelativePath(String dir) throws IOException {
    // A client configured with download-directory = "." saves into its working directory.
    String name = "safe-file-names-test-" + UUID.randomUUID() + ".tmp";
    Path created = null;
    try {
      created = SafeFileNames.createUnique(Path.of(dir), name);

      assertEquals(name, created.getFileName().toString());
      assertEquals(
          Path.of("").toAbsolutePath().normalize(), created.toAbsolutePath().normalize().getParent());
      assertTrue(Files.isRegularFile(created));
    } finally {
      if (created != null) {
        Files.deleteIfExists(created);
      }
    }
  }

  // ---------------------------------------------------------------- helpers

  /** Non-empty, a single path element, no control/format characters, not a device name. */
  private static void assertHarmless(String name) {
    assertFalse(name.isEmpty(), "empty name");
    assertFalse(name.contains("/") || name.contains("\\"), () -> "path separator in " + name);
    assertFalse(name.startsWith("."), () -> "leading dot in " + name);
    assertFalse(name.contains("::"), () -> "protocol separator in " + name);
    assertTrue(
        name.codePoints()
            .noneMatch(cp -> Character.isISOControl(cp) || Character.getType(cp) == Character.FORMAT),
        () -> "control or format character in " + escape(name));
    assertFalse(isReservedDeviceName(name), name);
    assertTrue(utf8Length(name) <= SafeFileNames.MAX_BYTES);
  }

  private static boolean isReservedDeviceName(String name) {
    int dot = name.indexOf('.');
    String stem = dot >= 0 ? name.substring(0, dot) : name;
    return stem.toUpperCase(Locale.ROOT).matches("CON|PRN|AUX|NUL|COM[0-9]|LPT[0-9]");
  }

  private static int utf8Length(String s) {
    return s.getBytes(StandardCharsets.UTF_8).length;
  }

  private static String escape(String s) {
    return s.codePoints()
        .mapToObj(cp -> cp < 0x20 || cp > 0x7e ? String.format("\\u%04x", cp) : Character.toString(cp))
        .collect(Collectors.joining());
  }

  private static List<Path> regularFilesUnder(Path root) throws IOException {
    try (Stream<Path> files = Files.walk(root)) {
      return files.filter(Files::isRegularFile).collect(Collectors.toList());
    }
  }
}
