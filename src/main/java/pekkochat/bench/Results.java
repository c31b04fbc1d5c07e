package pekkochat.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * One result row of a scenario: printed as an aligned table (header and row) and appended as a
 * CSV line to a results file (with a header line when the file is new). Some fields appear only
 * in the table (human-readable) or only in the CSV (exact numbers).
 */
final class Results {

  private record Field(String tableHeader, String csvName, String value) {}

  private final List<Field> fields = new ArrayList<>();

  /** A field shown in both; {@code csvName} null to show it in the table only. */
  Results add(String tableHeader, String csvName, Object value) {
    fields.add(new Field(tableHeader, csvName, String.valueOf(value)));
    return this;
  }

  /** A field in the CSV only. */
  Results csv(String csvName, Object value) {
    fields.add(new Field(null, csvName, String.valueOf(value)));
    return this;
  }

  /** Prints the table header and this row, columns aligned. */
  void print(PrintStream out) {
    StringBuilder header = new StringBuilder();
    StringBuilder row = new StringBuilder();
    for (Field f : fields) {
      if (f.tableHeader() == null) {
        continue;
      }
      int width = Math.max(f.tableHeader().length(), f.value().length());
      if (header.length() > 0) {
        header.append("  ");
        row.append("  ");
      }
      header.append(pad(f.tableHeader(), width));
      row.append(pad(f.value(), width));
    }
    out.println(header.toString().stripTrailing());
    out.println(row.toString().stripTrailing());
  }

  /** Prints several rows of the same fields under one header, columns aligned across all of them. */
  static void printTable(List<Results> rows, PrintStream out) {
    if (rows.isEmpty()) {
      return;
    }
    List<Field> first = rows.get(0).fields.stream().filter(f -> f.tableHeader() != null).collect(Collectors.toList());
    int[] widths = new int[first.size()];
    for (int i = 0; i < first.size(); i++) {
      widths[i] = first.get(i).tableHeader().length();
    }
    List<List<String>> values = new ArrayList<>();
    for (Results r : rows) {
      List<String> v = r.fields.stream().filter(f -> f.tableHeader() != null).map(Field::value)
          .collect(Collectors.toList());
      for (int i = 0; i < Math.min(v.size(), widths.length); i++) {
        widths[i] = Math.max(widths[i], v.get(i).length());
      }
      values.add(v);
    }
    out.println(line(first.stream().map(Field::tableHeader).collect(Collectors.toList()), widths));
    for (List<String> v : values) {
      out.println(line(v, widths));
    }
  }

  private static String line(List<String> cells, int[] widths) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < cells.size(); i++) {
      if (i > 0) {
        b.append("  ");
      }
      b.append(i < widths.length ? pad(cells.get(i), widths[i]) : cells.get(i));
    }
    return b.toString().stripTrailing();
  }

  private static String pad(String s, int width) {
    return s + " ".repeat(width - s.length());
  }

  /** Appends one CSV line to {@code file}, writing the header first if the file is new or empty. */
  void appendCsv(Path file) throws IOException {
    List<Field> csv = fields.stream().filter(f -> f.csvName() != null).collect(Collectors.toList());
    String header = csv.stream().map(f -> quote(f.csvName())).collect(Collectors.joining(","));
    String line = csv.stream().map(f -> quote(f.value())).collect(Collectors.joining(","));
    Path parent = file.toAbsolutePath().getParent();
    if (parent != null) {
      Files.createDirectories(parent);
    }
    StringBuilder text = new StringBuilder();
    if (!Files.exists(file) || Files.size(file) == 0) {
      text.append(header).append('\n');
    } else {
      String existing;
      try (var lines = Files.lines(file, StandardCharsets.UTF_8)) {
        existing = lines.findFirst().orElse("");
      }
      if (!existing.equals(header)) {
        System.err.println("bench: warning: " + file + " has other columns than this scenario writes; "
            + "appending anyway (use --results to pick another file)");
      }
    }
    text.append(line).append('\n');
    Files.writeString(file, text, StandardCharsets.UTF_8,
        StandardOpenOption.CREATE, StandardOpenOption.APPEND);
  }

  private static String quote(String s) {
    if (s.contains(",") || s.contains("\"") || s.contains("\n")) {
      return "\"" + s.replace("\"", "\"\"") + "\"";
    }
    return s;
  }
}
