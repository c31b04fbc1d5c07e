package pekkochat.protocol;

import java.util.Optional;
import java.util.function.ToIntFunction;

/**
 * The wire's one-byte codes (frame types, EVENT and XFER kinds) looked up by value: each enum
 * indexes its constants once ({@link #index}) and finds one in constant time ({@link #find}), a
 * code it does not know being empty rather than an exception.
 */
final class ByteCodes {

  private ByteCodes() {}

  /** The constants of {@code type} by their code (0 to 255); {@code code} gives a constant's. */
  static <E extends Enum<E>> Object[] index(Class<E> type, ToIntFunction<E> code) {
    Object[] byCode = new Object[256];
    for (E e : type.getEnumConstants()) {
      byCode[code.applyAsInt(e)] = e;
    }
    return byCode;
  }

  /** The constant of {@code code} in an {@link #index} of {@code type}. */
  static <E extends Enum<E>> Optional<E> find(Class<E> type, Object[] byCode, int code) {
    return code >= 0 && code < byCode.length ? Optional.ofNullable(byCode[code]).map(type::cast) : Optional.empty();
  }
}
