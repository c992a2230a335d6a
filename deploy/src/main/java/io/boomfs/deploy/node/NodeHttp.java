package io.boomfs.deploy.node;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.OutputStream;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;

/**
 * A node's HTTP endpoint on its metrics port (the JDK's server: no dependency): {@code GET
 * /metrics} serves the Prometheus text, {@code POST /admin/ACTION} runs one of the node's admin
 * actions and answers with its one-line result. One thread: a scrape is small, and the node's
 * own threads matter more on two cores.
 */
public final class NodeHttp implements AutoCloseable {
    /**
     * An admin action, given the request's query parameters: its one-line answer, or an
     * IllegalStateException whose message says why it failed.
     */
    public interface Action {
        String run(Map<String, String> params);
    }

    private final HttpServer server;
    private final ExecutorService executor;

    private NodeHttp(HttpServer server, ExecutorService executor) {
        this.server = server;
        this.executor = executor;
    }

    /**
     * Listens on {@code host:port}.
     *
     * @throws IllegalStateException the port is in use or the host is not this machine's
     */
    public static NodeHttp start(String host, int port, Supplier<String> metrics, Map<String, Action> actions) {
        HttpServer server;
        try {
            server = HttpServer.create(new InetSocketAddress(host, port), 16);
        } catch (BindException e) {
            throw new IllegalStateException("the metrics port " + host + ":" + port + " is in use (or not an address of this host): "
                + e.getMessage());
        } catch (IOException e) {
            throw new IllegalStateException("cannot serve metrics on " + host + ":" + port + ": " + e.getMessage());
        }
        server.createContext("/metrics", x -> {
            if (!x.getRequestMethod().equals("GET")) {
                reply(x, 405, "GET /metrics\n");
                return;
            }
            x.getResponseHeaders().set("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
            reply(x, 200, metrics.get());
        });
        server.createContext("/admin/", x -> {
            String name = x.getRequestURI().getPath().substring("/admin/".length());
            Action a = actions.get(name);
            if (!x.getRequestMethod().equals("POST") || a == null) {
                reply(x, 404, "POST /admin/ACTION, ACTION one of " + actions.keySet() + "\n");
                return;
            }
            try {
                reply(x, 200, a.run(params(x.getRequestURI().getRawQuery())) + "\n");
            } catch (IllegalStateException e) {
                reply(x, 500, e.getMessage() + "\n");
            }
        });
        ExecutorService executor = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "node-http");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(executor);
        server.start();
        return new NodeHttp(server, executor);
    }

    /** {@code a=1&b=2} as a map, the values URL-decoded. */
    private static Map<String, String> params(String query) {
        Map<String, String> m = new HashMap<>();
        if (query != null) {
            for (String kv : query.split("&")) {
                int eq = kv.indexOf('=');
                if (eq > 0) {
                    m.put(kv.substring(0, eq), URLDecoder.decode(kv.substring(eq + 1), StandardCharsets.UTF_8));
                }
            }
        }
        return m;
    }

    private static void reply(HttpExchange x, int code, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        x.sendResponseHeaders(code, bytes.length);
        try (OutputStream out = x.getResponseBody()) {
            out.write(bytes);
        }
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
