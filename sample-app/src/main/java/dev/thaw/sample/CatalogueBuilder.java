package dev.thaw.sample;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * Generates a deterministic catalogue (same seed, same products) sized to an approximate amount of
 * heap, and its word index. The work is deliberately real: at 300 MB it takes seconds, which is the
 * start-up cost thaw's restored workers skip.
 */
final class CatalogueBuilder {

    /**
     * Measured heap per product (compact Latin-1 strings, the product, its map entry and index
     * postings) with {@link #DESCRIPTION_WORDS} description words.
     */
    static final int APPROX_BYTES_PER_PRODUCT = 1024;
    private static final int DESCRIPTION_WORDS = 110;
    private static final long SEED = 20240917L;

    private static final String[] ADJECTIVES = {
        "rustic", "modern", "compact", "sturdy", "vintage", "elegant", "portable", "classic", "smart", "quiet",
        "bright", "soft", "heavy", "light", "folding", "wireless", "ergonomic", "minimal", "deluxe", "eco"};
    private static final String[] MATERIALS = {
        "oak", "walnut", "steel", "brass", "linen", "wool", "ceramic", "glass", "bamboo", "leather",
        "cotton", "copper", "granite", "cork", "aluminium", "marble"};
    private static final String[] NOUNS = {
        "lamp", "chair", "table", "kettle", "blanket", "mug", "shelf", "clock", "backpack", "speaker",
        "desk", "stool", "vase", "mirror", "rug", "teapot", "bowl", "basket", "bench", "planter",
        "cabinet", "pillow", "jar", "tray", "frame", "lantern", "skillet", "grinder", "scale", "timer"};
    private static final String[] CATEGORIES = {
        "kitchen", "furniture", "lighting", "outdoor", "office", "bedroom", "bathroom", "garden",
        "travel", "audio", "decor", "storage"};
    private static final String[] TAGS = {
        "bestseller", "new", "sale", "handmade", "recycled", "giftable", "limited", "imported", "local",
        "organic", "durable", "washable", "stackable", "vegan", "premium", "budget", "compact", "family",
        "pet-friendly", "award-winning"};
    private static final String[] FILLER = {
        "crafted", "designed", "finished", "built", "shaped", "made", "tested", "packed", "with", "for",
        "and", "from", "every", "daily", "use", "home", "care", "detail", "comfort", "style", "lasting",
        "gentle", "precise", "warm", "clean", "lines", "natural", "texture", "balanced", "weight", "smooth",
        "edges", "easy", "to", "maintain", "fits", "any", "room", "season", "small", "spaces", "large",
        "tables", "generous", "capacity", "reliable", "mechanism", "subtle", "glow", "matte", "surface"};

    private final Random random = new Random(SEED);
    private final Map<Integer, Product> products;
    private final Map<String, IdList> index = new HashMap<>();

    CatalogueBuilder(int megabytes) {
        int count = (int) Math.max(1, (long) megabytes * 1024 * 1024 / APPROX_BYTES_PER_PRODUCT);
        products = new HashMap<>(count * 4 / 3 + 1);
        for (int id = 0; id < count; id++) {
            Product product = newProduct(id);
            products.put(id, product);
            indexWordsOf(product);
        }
    }

    Map<Integer, Product> products() {
        return products;
    }

    Map<String, int[]> index() {
        Map<String, int[]> frozen = new HashMap<>(index.size() * 4 / 3 + 1);
        index.forEach((word, ids) -> frozen.put(word, ids.toArray()));
        return frozen;
    }

    /** Lowercase words of a text, as both the index and queries see them. */
    static List<String> words(String text) {
        List<String> words = new ArrayList<>();
        for (String word : text.toLowerCase(Locale.ROOT).split("[^a-z0-9]+")) {
            if (!word.isEmpty()) words.add(word);
        }
        return words;
    }

    private Product newProduct(int id) {
        String adjective = pick(ADJECTIVES);
        String material = pick(MATERIALS);
        String noun = pick(NOUNS);
        String name = capitalize(adjective) + " " + capitalize(material) + " " + capitalize(noun);
        String category = pick(CATEGORIES);
        int priceCents = 199 + random.nextInt(49_800);
        List<String> tags = List.of(pick(TAGS), pick(TAGS), pick(TAGS)).stream().distinct().toList();
        return new Product(id, name, category, priceCents, tags, description(adjective, material, noun));
    }

    private String description(String adjective, String material, String noun) {
        StringBuilder text = new StringBuilder(DESCRIPTION_WORDS * 8);
        text.append("A ").append(adjective).append(' ').append(noun).append(" in ").append(material);
        for (int i = 0; i < DESCRIPTION_WORDS; i++) text.append(' ').append(pick(FILLER));
        return text.append('.').toString();
    }

    private void indexWordsOf(Product product) {
        Set<String> words = new LinkedHashSet<>(words(product.name()));
        words.add(product.category());
        product.tags().forEach(tag -> words.addAll(words(tag)));
        for (String word : words) index.computeIfAbsent(word, w -> new IdList()).add(product.id());
    }

    private String pick(String[] choices) {
        return choices[random.nextInt(choices.length)];
    }

    private static String capitalize(String word) {
        return Character.toUpperCase(word.charAt(0)) + word.substring(1);
    }

    /** A growable list of int ids, without boxing each one. */
    private static final class IdList {
        private int[] ids = new int[16];
        private int size;

        void add(int id) {
            if (size == ids.length) ids = Arrays.copyOf(ids, size * 2);
            ids[size++] = id;
        }

        int[] toArray() {
            return Arrays.copyOf(ids, size);
        }
    }
}
