package pekkochat.bench;

import java.math.BigDecimal;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** Byte counts on the command line ({@code 512k}, {@code 1g}, {@code 1.5GiB}: binary units) and in reports. */
final class ByteSize {

  private static final Pattern SYNTAX =
      Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*([kmgt]?)(?:i?b)?", Pattern.CASE_INSENSITIVE);
  private static final String[] UNITS = {"B", "KiB", "MiB", "GiB", "TiB"};

  private ByteSize() {}

  /** {@code 100} (bytes), {@code 64k}, {@code 512m}, {@code 1g}, {@code 2GiB}; k/m/g/t are powers of 1024. */
  static long parse(String text) {
    Matcher m = SYNTAX.matcher(text.trim());
    if (!m.matches()) {
      throw new IllegalArgumentException(
          "not a size: '" + text + "' (expected a number with an optional k, m, g or t suffix, e.g. 1g)");
    }
    int shift = switch (m.group(2).toLowerCase(Locale.ROOT)) {
      case "k" -> 10;
      case "m" -> 20;
      case "g" -> 30;
      case "t" -> 40;
      default -> 0;
    };
    BigDecimal bytes = new BigDecimal(m.group(1)).multiply(BigDecimal.valueOf(1L << shift));
    try {
      return bytes.setScale(0, java.math.RoundingMode.HALF_UP).longValueExact();
    } catch (ArithmeticException e) {
      throw new IllegalArgumentException("size too large: '" + text + "'");
    }
  }

  /** "1 GiB", "1.5 GiB", "700 MiB", "12 B". */
  static String human(long bytes) {
    if (bytes < 1024) {
      return bytes + " B";
    }
    int unit = 0;
    double value = bytes;
    while (value >= 1024 && unit < UNITS.length - 1) {
      value /= 1024;
      unit++;
    }
    if (value == Math.rint(value)) {
      return String.format(Locale.ROOT, "%.0f %s", value, UNITS[unit]);
    }
    return String.format(Locale.ROOT, "%.2f %s", value, UNITS[unit]);
  }

  /** Mebibytes with one decimal, for memory figures. */
  static String mib(long bytes) {
    return String.format(Locale.ROOT, "%.1f", bytes / (1024.0 * 1024.0));
  }

  /** picocli converter for size options. */
  static final class Converter implements ITypeConverter<Long> {
    @Override
    public Long convert(String value) {
      try {
        return parse(value);
      } catch (IllegalArgumentException e) {
        throw new TypeConversionException(e.getMessage());
      }
    }
  }
}
