package dev.thaw.sample;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The in-memory product catalogue: the expensive, warmed state that restored workers inherit from the
 * leader's heap instead of building it again.
 */
final class Catalogue {

    /** How many catalogues this process (and the image it was restored from) has built. */
    private static final AtomicInteger BUILDS = new AtomicInteger();

    private final Map<Integer, Product> byId;
    /** Lowercase word of a name, category or tag -> ids of the products that have it, ascending. */
    private final Map<String, int[]> idsByWord;
    private final Instant builtAt;

    private Catalogue(Map<Integer, Product> byId, Map<String, int[]> idsByWord, Instant builtAt) {
        this.byId = byId;
        this.idsByWord = idsByWord;
        this.builtAt = builtAt;
    }

    /** Builds a catalogue taking roughly {@code megabytes} of heap; counts as one build. */
    static Catalogue build(int megabytes) {
        CatalogueBuilder builder = new CatalogueBuilder(megabytes);
        Catalogue catalogue = new Catalogue(builder.products(), builder.index(), Instant.now());
        BUILDS.incrementAndGet();
        return catalogue;
    }

    static int builds() {
        return BUILDS.get();
    }

    Instant builtAt() {
        return builtAt;
    }

    int size() {
        return byId.size();
    }

    Optional<Product> byId(int id) {
        return Optional.ofNullable(byId.get(id));
    }

    /** Products having every word of the query, in id order. */
    SearchResult search(String query, int limit) {
        List<String> words = CatalogueBuilder.words(query);
        if (words.isEmpty()) return new SearchResult(0, List.of());
        int[] ids = null;
        for (String word : words) {
            int[] matching = idsByWord.getOrDefault(word, new int[0]);
            ids = ids == null ? matching : intersect(ids, matching);
        }
        List<Product> first = new ArrayList<>();
        for (int i = 0; i < ids.length && first.size() < limit; i++) first.add(byId.get(ids[i]));
        return new SearchResult(ids.length, first);
    }

    record SearchResult(int total, List<Product> products) {
    }

    private static int[] intersect(int[] a, int[] b) {
        int[] both = new int[Math.min(a.length, b.length)];
        int n = 0;
        for (int i = 0, j = 0; i < a.length && j < b.length; ) {
            if (a[i] < b[j]) i++;
            else if (a[i] > b[j]) j++;
            else {
                both[n++] = a[i];
                i++;
                j++;
            }
        }
        return Arrays.copyOf(both, n);
    }
}
