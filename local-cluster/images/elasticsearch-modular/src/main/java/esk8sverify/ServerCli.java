package esk8sverify;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.lang.reflect.Method;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;

import org.elasticsearch.bootstrap.ServerArgs;
import org.elasticsearch.common.io.stream.OutputStreamStreamOutput;
import org.elasticsearch.common.logging.LogConfigurator;
import org.elasticsearch.common.settings.KeyStoreWrapper;
import org.elasticsearch.common.settings.Settings;
import org.elasticsearch.env.Environment;
import org.elasticsearch.node.InternalSettingsPreparer;

/**
 * What the distribution's server-cli hands the server, for Elasticsearch 8 built from Maven
 * Central (server-cli is not published there): the node settings (elasticsearch.yml, then the
 * -E settings the entrypoint made of environment variables), an empty keystore, the config
 * directory, written as ServerArgs on the server's standard input, which stays open as the
 * server expects. Then the server's own bootstrap runs, bootstrap checks included.
 */
public final class ServerCli {
  public static void main(String[] argv) throws Exception {
    // Reading elasticsearch.yml below logs through Elasticsearch's logging API, as in server-cli.
    LogConfigurator.configureESLogging();
    Path home = Path.of(System.getProperty("es.path.home"));
    Path configDir = Path.of(System.getProperty("es.path.conf"));
    java.util.Map<String, String> cli = new java.util.LinkedHashMap<>();
    for (int i = 0; i < argv.length; i++) {
      if (!argv[i].equals("-E") || i + 1 == argv.length) throw new IllegalArgumentException("expected -E name=value, got " + argv[i]);
      String setting = argv[++i];
      int eq = setting.indexOf('=');
      cli.put(setting.substring(0, eq), setting.substring(eq + 1));
    }
    Environment env = InternalSettingsPreparer.prepareEnvironment(
        Settings.builder().put("path.home", home.toString()).build(), cli, configDir, () -> System.getenv("HOSTNAME"));
    KeyStoreWrapper keystore = KeyStoreWrapper.create();
    ServerArgs args = new ServerArgs(false, false, null, keystore, env.settings(), configDir, env.logsDir());
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (OutputStreamStreamOutput out = new OutputStreamStreamOutput(bytes)) {
      args.writeTo(out);
    }
    // After the arguments, standard input stays open: the server shuts down when it closes.
    InputStream open = new InputStream() {
      private final CountDownLatch never = new CountDownLatch(1);

      @Override
      public int read() {
        try {
          never.await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        return -1;
      }
    };
    System.setIn(new SequenceInputStream(new ByteArrayInputStream(bytes.toByteArray()), open));
    Class<?> server = Class.forName("org.elasticsearch.bootstrap.Elasticsearch");
    Method main = server.getDeclaredMethod("main", String[].class);
    main.setAccessible(true);
    main.invoke(null, (Object) new String[0]);
  }
}
