package dev.thaw.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class SummaryTest {
    @Test
    void the_median_of_an_odd_count_is_the_middle_value_whatever_the_order() {
        Summary s = Summary.of(List.of(900, 120, 250, 3000, 130));
        assertEquals(250, s.median());
        assertEquals(120, s.min());
        assertEquals(3000, s.max());
        assertEquals(5, s.count());
    }

    @Test
    void the_median_of_an_even_count_is_the_mean_of_the_two_middle_values() {
        assertEquals(175, Summary.of(List.of(100L, 150L, 200L, 10_000L)).median());
    }

    @Test
    void one_slow_run_moves_the_median_less_than_the_mean() {
        Summary s = Summary.of(List.of(200, 210, 205, 5000, 199));
        assertEquals(205, s.median());
    }

    @Test
    void no_values_summarise_as_missing_not_as_zero() {
        Summary s = Summary.of(List.of());
        assertTrue(s.isEmpty());
        assertTrue(Double.isNaN(s.median()) && Double.isNaN(s.min()) && Double.isNaN(s.max()));
    }

    @Test
    void the_nearest_rank_p99_of_100_values_is_the_99th_and_of_10_values_the_largest() {
        long[] hundred = new long[100];
        for (int i = 0; i < 100; i++) {
            hundred[i] = i + 1;
        }
        assertEquals(99, Summary.percentile(hundred, 99));
        assertEquals(50, Summary.percentile(hundred, 50));
        assertEquals(10, Summary.percentile(new long[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, 99));
    }

    @Test
    void a_percentile_of_unsorted_values_sorts_a_copy_and_leaves_the_input_alone() {
        long[] values = {30, 10, 20};
        assertEquals(30, Summary.percentileOf(values, 99));
        assertEquals(10, Summary.percentileOf(values, 0));
        assertEquals(30, values[0]);
    }

    @Test
    void a_ratio_with_a_missing_or_zero_side_is_missing() {
        assertEquals(4.0, Summary.ratio(1000, 250));
        assertTrue(Double.isNaN(Summary.ratio(1000, 0)));
        assertTrue(Double.isNaN(Summary.ratio(Double.NaN, 5)));
    }
}
