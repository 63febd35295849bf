package org.elasticsearch.io.ansi;

import java.util.function.Supplier;

import org.elasticsearch.bootstrap.ConsoleLoader;

/**
 * The distribution's lib/tools/ansi-console (not published on Maven Central) gives the server a
 * console when it runs on a terminal. A container's engine has none: this one says so, as the
 * real loader does when there is no terminal, and the server logs to standard output only.
 */
public final class AnsiConsoleLoader implements Supplier<ConsoleLoader.Console> {
  @Override
  public ConsoleLoader.Console get() {
    return null;
  }
}
