package io.boomfs.deploy.status;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One read of a node's {@code /metrics}: the samples of the Prometheus text, or why the node
 * could not be read. Only what {@code boom status} needs of the format: {@code name{labels}
 * value} lines, {@code #} lines skipped.
 */
public record Scrape(String address, List<Sample> samples, String failure) {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();

    /** One sample: a metric's name, its labels and its value. */
    public record Sample(String name, Map<String, String> labels, double value) {
    }

    public boolean up() {
        return failure == null;
    }

    /** Reads {@code http://ADDRESS/metrics}; a node that does not answer within {@code timeoutMs} is down. */
    public static Scrape of(String address, long timeoutMs) {
        HttpRequest req = HttpRequest.newBuilder(URI.create("http://" + address + "/metrics")).timeout(Duration.ofMillis(timeoutMs)).build();
        try {
            HttpResponse<String> r = HTTP.send(req, HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) {
                return new Scrape(address, List.of(), "HTTP " + r.statusCode());
            }
            return new Scrape(address, parse(r.body()), null);
        } catch (IOException e) {
            return new Scrape(address, List.of(), e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Scrape(address, List.of(), "interrupted");
        }
    }

    static List<Sample> parse(String text) {
        List<Sample> out = new ArrayList<>();
        for (String line : text.split("\n")) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            int brace = line.indexOf('{');
            int space = line.lastIndexOf(' ');
            String name = brace >= 0 ? line.substring(0, brace) : line.substring(0, space);
            Map<String, String> labels = new LinkedHashMap<>();
            if (brace >= 0) {
                String body = line.substring(brace + 1, line.lastIndexOf('}'));
                // Values are quoted; our own labels never hold a comma or quote inside a value.
                for (String kv : body.split(",")) {
                    int eq = kv.indexOf('=');
                    if (eq > 0) {
                        labels.put(kv.substring(0, eq), kv.substring(eq + 2, kv.length() - 1));
                    }
                }
            }
            out.add(new Sample(name, labels, Double.parseDouble(line.substring(space + 1))));
        }
        return out;
    }

    /** The first sample of {@code name} whose labels include {@code label=value} pairs given. */
    public Optional<Sample> sample(String name, String... labelPairs) {
        return samples.stream().filter(s -> s.name().equals(name) && matches(s, labelPairs)).findFirst();
    }

    public long value(String name, long orElse) {
        return sample(name).map(s -> (long) s.value()).orElse(orElse);
    }

    /** The sum of every sample of {@code name}. */
    public long sum(String name) {
        return (long) samples.stream().filter(s -> s.name().equals(name)).mapToDouble(Sample::value).sum();
    }

    private static boolean matches(Sample s, String... pairs) {
        for (int i = 0; i + 1 < pairs.length; i += 2) {
            if (!pairs[i + 1].equals(s.labels().get(pairs[i]))) {
                return false;
            }
        }
        return true;
    }
}
