package io.boomfs.deploy.topology;

/**
 * One key of a topology file: its name, the type of its value, its default and what it means.
 * {@link Keys} lists them all once: the loader checks files against that list (an unknown key is
 * an error) and takes defaults from it, and {@code boom topology explain} prints it, so the
 * documentation cannot drift from what is accepted.
 *
 * @param name         the key as written in the file
 * @param type         its value, in words ({@code int 1..65535}, {@code size}, {@code list})
 * @param defaultValue the value when the key is absent, as it would be written; null when the key
 *                     is required. A default that depends on other keys is a phrase
 *                     ({@code port + 1000}) that the loader computes.
 * @param description  one line
 */
public record Key(String name, String type, String defaultValue, String description) {
    public boolean required() {
        return defaultValue == null;
    }
}
