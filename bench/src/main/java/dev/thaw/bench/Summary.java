package dev.thaw.bench;

import java.util.Arrays;
import java.util.Collection;

/**
 * Median, minimum and maximum of a few measurements (e.g. K start-up times). The median, not the
 * mean: on a shared machine one slow run is noise, and the median ignores it.
 */
public record Summary(int count, double median, double min, double max) {

    public static Summary of(Collection<? extends Number> values) {
        double[] sorted = values.stream().mapToDouble(Number::doubleValue).sorted().toArray();
        if (sorted.length == 0) {
            return new Summary(0, Double.NaN, Double.NaN, Double.NaN);
        }
        int n = sorted.length;
        double median = n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
        return new Summary(n, median, sorted[0], sorted[n - 1]);
    }

    public boolean isEmpty() {
        return count == 0;
    }

    /**
     * The nearest-rank percentile of sorted values: the smallest value with at least {@code p}
     * percent of all values at or below it (p99 of 100 values is the 99th, of 10 values the 10th).
     */
    public static long percentile(long[] sorted, double p) {
        if (sorted.length == 0) {
            return 0;
        }
        if (p <= 0) {
            return sorted[0];
        }
        int rank = (int) Math.ceil(p / 100.0 * sorted.length);
        return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
    }

    /** Same, on unsorted values (sorts a copy). */
    public static long percentileOf(long[] values, double p) {
        long[] copy = values.clone();
        Arrays.sort(copy);
        return percentile(copy, p);
    }

    /** {@code a / b}, or NaN when either is missing or b is 0. */
    public static double ratio(double a, double b) {
        return Double.isNaN(a) || Double.isNaN(b) || b == 0 ? Double.NaN : a / b;
    }
}
