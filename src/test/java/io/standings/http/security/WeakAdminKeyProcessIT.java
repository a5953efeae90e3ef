package io.standings.http.security;

import static org.assertj.core.api.Assertions.assertThat;

import io.standings.testing.RedisProbe;
import io.standings.testing.ServerLocator;
import io.standings.testing.ServiceProcess;
import io.standings.testing.TestRun;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The packaged service with deploy/k8s/secret.yaml's placeholder as its admin key: it exits with status 1
 * after one error line that says which rules the key breaks and how to make one, without printing the
 * key, and before it consumed anything (a record waiting in its topic is not applied).
 */
class WeakAdminKeyProcessIT {

    private static final String PLACEHOLDER = "CHANGE-ME-placeholder";

    private TestRun run;
    private Process process;

    @BeforeEach
    void createRun() {
        run = TestRun.create(ServerLocator.servers());
        run.createTopics(1);
    }

    @AfterEach
    void cleanUp() {
        if (process != null) {
            process.destroyForcibly();
        }
        run.cleanUp();
    }

    @Test
    void aPlaceholderKeyStopsStartUpBeforeAnythingIsConsumed() throws Exception {
        run.send("weak/p1", "{\"board\":\"weak\",\"entity\":\"p1\",\"value\":1}");
        Map<String, String> env = run.serviceEnvironment();
        env.put("STANDINGS_ADMIN_API_KEY", PLACEHOLDER);
        env.put("STANDINGS_BOARDS_AUTO_CREATE", "true");
        Path log = ServerLocator.projectRoot().resolve("target/process-logs/weak-admin-key.log");
        Files.createDirectories(log.getParent());
        ProcessBuilder builder = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-jar", ServiceProcess.jar().toString())
                .redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().putAll(env);
        builder.environment().put("HTTP_PORT", Integer.toString(freePort()));
        process = builder.start();

        assertThat(process.waitFor(120, TimeUnit.SECONDS)).as("the service exits by itself").isTrue();
        assertThat(process.exitValue()).isEqualTo(1);
        String output = Files.readString(log);
        List<String> errors = output.lines().filter(l -> l.contains(" ERROR ")).toList();
        assertThat(errors).as("error log lines in %s", log).singleElement().satisfies(line -> assertThat(line)
                .contains("[io.standings.http.security.ApiKeys]")
                .contains("Refusing to start: the admin API key (STANDINGS_ADMIN_API_KEY, standings.admin.api-key) is too weak")
                .contains("it has 21 characters, fewer than 32")
                .contains("it contains a well-known placeholder word")
                .contains("openssl rand -hex 32"));
        assertThat(output).doesNotContain(PLACEHOLDER).doesNotContain("Listening on");
        try (RedisProbe redis = new RedisProbe(run.servers().redisUri())) {
            assertThat(redis.hgetall(run.redisPrefix() + "offsets")).as("nothing was applied").isEmpty();
        }
    }

    private static int freePort() throws java.io.IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
