package esk8sverify.agent;

import java.lang.instrument.Instrumentation;

/**
 * The distribution's lib/entitlement-agent (not published on Maven Central): the server attaches
 * it to itself and names the class to initialise; the agent hands that class the instrumentation,
 * which is all upstream's agent does. The entitlement checks themselves are the server's.
 */
public final class EntitlementAgent {
  public static void agentmain(String initializationClass, Instrumentation instrumentation) throws Exception {
    Class<?> initialization = Class.forName(initializationClass);
    initialization.getMethod("initialize", Instrumentation.class).invoke(null, instrumentation);
  }
}
