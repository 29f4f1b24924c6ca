package dev.thaw.sample;

import java.util.List;

/** One catalogue entry. Prices are in cents so that no floating point rounding shows up in JSON. */
record Product(int id, String name, String category, int priceCents, List<String> tags, String description) {

    /** What search results show: everything but the long description. */
    String toSummaryJson() {
        return summary().toString();
    }

    String toJson() {
        return summary().field("description", description).toString();
    }

    static String formatPrice(long cents) {
        return cents / 100 + "." + String.format("%02d", cents % 100);
    }

    private Json summary() {
        return Json.object()
                .field("id", id)
                .field("name", name)
                .field("category", category)
                .raw("price", formatPrice(priceCents))
                .raw("tags", Json.array(tags.stream().map(Json::quote).toList()));
    }
}
