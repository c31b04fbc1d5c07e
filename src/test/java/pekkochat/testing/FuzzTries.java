package pekkochat.testing;

import net.jqwik.api.lifecycle.AroundPropertyHook;
import net.jqwik.api.lifecycle.PropagationMode;
import net.jqwik.api.lifecycle.PropertyExecutionResult;
import net.jqwik.api.lifecycle.PropertyExecutor;
import net.jqwik.api.lifecycle.PropertyLifecycleContext;

/**
 * Scales every property's tries by the system property {@value #FACTOR} (default 1), so that the
 * fuzz properties can run longer without editing them: {@code mvn test -Dfuzz.tries.factor=50}.
 */
public final class FuzzTries implements AroundPropertyHook {

  public static final String FACTOR = "fuzz.tries.factor";

  /** Registered on a class, it applies to the properties in it. */
  @Override
  public PropagationMode propagateTo() {
    return PropagationMode.DIRECT_DESCENDANTS;
  }

  @Override
  public PropertyExecutionResult aroundProperty(PropertyLifecycleContext context, PropertyExecutor property) {
    double factor = Double.parseDouble(System.getProperty(FACTOR, "1"));
    context.attributes()
        .tries()
        .ifPresent(tries -> context.attributes().setTries((int) Math.max(1, Math.round(tries * factor))));
    return property.execute();
  }
}
