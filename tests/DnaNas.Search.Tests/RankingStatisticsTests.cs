using DnaNas.Search.Ranking;

namespace DnaNas.Search.Tests;

/// <summary>
/// Reference values were worked out by hand (shown beside each) and checked against a throwaway script of the
/// textbook definitions; higher is better in every list.
/// </summary>
public class RankingStatisticsTests
{
    private const int Precision = 12;

    [Fact]
    public void Identical_orders_give_tau_and_rho_of_one()
    {
        double[] x = [0.1, 0.5, 0.3, 0.9, 0.7];
        double[] y = [10, 50, 30, 90, 70];
        Assert.Equal(1.0, RankCorrelation.KendallTauB(x, y));
        Assert.Equal(1.0, RankCorrelation.Spearman(x, y));
    }

    [Fact]
    public void Reversed_orders_give_tau_and_rho_of_minus_one()
    {
        double[] x = [1, 2, 3, 4, 5, 6];
        double[] y = [-1, -2, -3, -4, -5, -6];
        Assert.Equal(-1.0, RankCorrelation.KendallTauB(x, y));
        Assert.Equal(-1.0, RankCorrelation.Spearman(x, y));
    }

    [Fact]
    public void A_five_element_permutation_has_the_hand_counted_tau_and_rho()
    {
        // Pairs (i<j) by y = 3,4,1,2,5 against x = 1..5:
        // concordant (1,2) (1,5) (2,5) (3,4) (3,5) (4,5) = 6; discordant (1,3) (1,4) (2,3) (2,4) = 4.
        // tau = (6 - 4) / 10 = 0.2.
        // d = x - y = -2,-2,2,2,0, sum d^2 = 16, rho = 1 - 6*16 / (5*24) = 1 - 0.8 = 0.2.
        double[] x = [1, 2, 3, 4, 5];
        double[] y = [3, 4, 1, 2, 5];
        Assert.Equal(0.2, RankCorrelation.KendallTauB(x, y), Precision);
        Assert.Equal(0.2, RankCorrelation.Spearman(x, y), Precision);
    }

    [Fact]
    public void Tau_b_discounts_pairs_tied_in_either_list()
    {
        // x = 1,2,2,3 / y = 1,3,2,2, n0 = 6 pairs:
        // (1,2) (1,3) (1,4) concordant; (2,3) tied in x; (2,4) x up, y down: discordant; (3,4) tied in y.
        // nc = 3, nd = 1, n1 = 1, n2 = 1: tau-b = (3 - 1) / sqrt((6 - 1)(6 - 1)) = 2 / 5 = 0.4.
        double[] x = [1, 2, 2, 3];
        double[] y = [1, 3, 2, 2];
        Assert.Equal(0.4, RankCorrelation.KendallTauB(x, y), Precision);
    }

    [Fact]
    public void Spearman_with_ties_correlates_average_ranks()
    {
        // Ranks x = 1, 2.5, 2.5, 4 and y = 1, 4, 2.5, 2.5, both with mean 2.5:
        // deviations x = -1.5, 0, 0, 1.5 and y = -1.5, 1.5, 0, 0;
        // sxy = 2.25, sxx = syy = 4.5, rho = 2.25 / 4.5 = 0.5.
        double[] x = [1, 2, 2, 3];
        double[] y = [1, 3, 2, 2];
        Assert.Equal(0.5, RankCorrelation.Spearman(x, y), Precision);
    }

    [Fact]
    public void Many_ties_in_both_lists_match_the_reference_values()
    {
        // Reference script: nc = 37, nd = 2, n0 = 45, n1 = 4, n2 = 3, tau-b = 35 / sqrt(41 * 42).
        double[] predicted = [0.61, 0.72, 0.72, 0.55, 0.80, 0.61, 0.90, 0.72, 0.40, 0.66];
        double[] truth = [70.1, 71.3, 70.9, 69.0, 72.5, 70.1, 72.5, 71.0, 68.2, 69.0];
        Assert.Equal(35 / Math.Sqrt(41 * 42), RankCorrelation.KendallTauB(predicted, truth), Precision);
        Assert.Equal(0.8434347122457898, RankCorrelation.KendallTauB(predicted, truth), Precision);
        Assert.Equal(0.9316949906249123, RankCorrelation.Spearman(predicted, truth), Precision);
    }

    [Fact]
    public void Average_ranks_are_one_based_ascending_and_share_the_mean_rank_among_ties()
    {
        // Sorted: 5 -> 1, 10 -> 2, 20 -> 3, then 30 three times at ranks 4, 5, 6 -> 5 each.
        Assert.Equal([2.0, 5.0, 3.0, 5.0, 5.0, 1.0], RankCorrelation.AverageRanks([10, 30, 20, 30, 30, 5]));
        Assert.Equal([1.0, 2.5, 2.5, 4.0], RankCorrelation.AverageRanks([1, 2, 2, 3]));
    }

    [Fact]
    public void A_constant_list_orders_nothing_so_both_correlations_are_NaN()
    {
        double[] constant = [0.7, 0.7, 0.7, 0.7];
        double[] varied = [1, 2, 3, 4];
        Assert.True(double.IsNaN(RankCorrelation.KendallTauB(constant, varied)));
        Assert.True(double.IsNaN(RankCorrelation.KendallTauB(varied, constant)));
        Assert.True(double.IsNaN(RankCorrelation.Spearman(constant, varied)));
        Assert.True(double.IsNaN(RankCorrelation.Spearman(varied, constant)));
    }

    [Fact]
    public void Tau_matches_a_pair_count_and_rho_the_textbook_formula_on_100_random_permutations()
    {
        var random = new Random(20240601);
        for (int trial = 0; trial < 100; trial++)
        {
            int n = 2 + trial % 39;
            double[] x = Permutation(n, random), y = Permutation(n, random);

            long score = 0;
            for (int i = 0; i < n; i++)
                for (int j = i + 1; j < n; j++)
                    score += Math.Sign(x[i] - x[j]) * Math.Sign(y[i] - y[j]);
            double expectedTau = score / (n * (n - 1) / 2.0);

            double sumSquaredRankGaps = x.Zip(y, (a, b) => (a - b) * (a - b)).Sum();
            double expectedRho = 1 - 6 * sumSquaredRankGaps / (n * ((double)n * n - 1));

            Assert.Equal(expectedTau, RankCorrelation.KendallTauB(x, y), Precision);
            Assert.Equal(expectedRho, RankCorrelation.Spearman(x, y), Precision);
        }
    }

    [Fact]
    public void Top_indices_break_ties_by_the_lower_index_and_clamp_k_to_the_count()
    {
        double[] values = [1, 3, 3, 2, 3];
        Assert.Equal([1, 2], TopK.TopIndices(values, 2));
        Assert.Equal([1, 2, 4, 3], TopK.TopIndices(values, 4));
        Assert.Equal([1, 2, 4, 3, 0], TopK.TopIndices(values, 99));
    }

    [Fact]
    public void Hits_count_the_true_top_k_that_the_prediction_also_puts_in_its_top_k()
    {
        // Predicted top 3: indices 0 (0.9), 1 (0.8), 3 (0.7). True top 3: 0 (0.95), 2 (0.9), 3 (0.85).
        // Shared: 0 and 3, so 2 of 3.
        double[] predicted = [0.9, 0.8, 0.1, 0.7, 0.2];
        double[] truth = [0.95, 0.3, 0.9, 0.85, 0.1];
        Assert.Equal(2, TopK.Hits(predicted, truth, 3));
        Assert.Equal(5, TopK.Hits(predicted, truth, 5));
        Assert.Equal(1, TopK.Hits(predicted, truth, 1));
    }

    [Fact]
    public void Local_tau_compares_the_orders_on_the_true_top_k_only()
    {
        // True top 3: indices 0, 2, 3 with truth 0.95 > 0.9 > 0.85 and predicted 0.9, 0.1, 0.7.
        // (0,2) concordant, (0,3) concordant, (2,3) truth down, predicted up: discordant.
        // tau = (2 - 1) / 3 = 1/3. Index 1, badly placed by the prediction overall, is left out.
        double[] predicted = [0.9, 0.8, 0.1, 0.7, 0.2];
        double[] truth = [0.95, 0.3, 0.9, 0.85, 0.1];
        Assert.Equal(1.0 / 3, TopK.LocalTau(predicted, truth, 3), Precision);
        Assert.True(double.IsNaN(TopK.LocalTau(predicted, truth, 1)));
    }

    [Fact]
    public void Local_tau_keeps_the_true_top_k_not_the_predicted_one()
    {
        // True top 3: indices 0, 1, 2 (truth 5 > 4 > 3), predicted 3, 5, 1:
        // (0,1) discordant, (0,2) concordant, (1,2) concordant: tau = (2 - 1) / 3 = 1/3.
        // The predicted top 3 would be indices 1, 3, 0 (tau -1/3), and all five give tau 0.2.
        double[] predicted = [3, 5, 1, 4, 2];
        double[] truth = [5, 4, 3, 2, 1];
        Assert.Equal(1.0 / 3, TopK.LocalTau(predicted, truth, 3), Precision);
        Assert.Equal(0.2, TopK.LocalTau(predicted, truth, 5), Precision);
    }

    [Fact]
    public void Mismatched_lengths_too_few_items_and_NaN_are_argument_exceptions()
    {
        double[] three = [1, 2, 3], four = [1, 2, 3, 4], one = [1];
        var mismatch = Assert.Throws<ArgumentException>(() => RankCorrelation.KendallTauB(three, four));
        Assert.Contains("got 3 predicted and 4 true scores", mismatch.Message);
        Assert.Throws<ArgumentException>(() => RankCorrelation.Spearman(three, four));
        Assert.Throws<ArgumentException>(() => TopK.Hits(three, four, 2));
        Assert.Throws<ArgumentException>(() => TopK.LocalTau(three, four, 2));
        Assert.Throws<ArgumentException>(() => Bootstrap.Percentile(three, four, RankCorrelation.KendallTauB));
        Assert.Throws<ArgumentException>(() => RankingEvaluation.Evaluate(three, four));

        var tooFew = Assert.Throws<ArgumentException>(() => RankCorrelation.KendallTauB(one, one));
        Assert.Contains("at least 2", tooFew.Message);

        double[] withNaN = [1, double.NaN, 3];
        var nan = Assert.Throws<ArgumentException>(() => RankCorrelation.Spearman(three, withNaN));
        Assert.Contains("truth[1] is NaN", nan.Message);
        Assert.Throws<ArgumentException>(() => RankCorrelation.KendallTauB(withNaN, three));
        Assert.Throws<ArgumentException>(() => RankCorrelation.AverageRanks(withNaN));
        Assert.Throws<ArgumentException>(() => TopK.TopIndices(withNaN, 1));
    }

    [Fact]
    public void A_k_below_one_is_out_of_range()
    {
        double[] values = [1, 2, 3];
        Assert.Throws<ArgumentOutOfRangeException>(() => TopK.TopIndices(values, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => TopK.Hits(values, values, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => TopK.LocalTau(values, values, -1));
        Assert.Throws<ArgumentOutOfRangeException>(() => RankingEvaluation.Evaluate(values, values, k: 0));
    }

    [Fact]
    public void The_bootstrap_interval_is_reproducible_from_its_seed()
    {
        var (predicted, truth) = CorrelatedSample(30, noise: 0.3, seed: 5);

        var first = Bootstrap.Percentile(predicted, truth, RankCorrelation.KendallTauB, resamples: 300, seed: 7);
        var again = Bootstrap.Percentile(predicted, truth, RankCorrelation.KendallTauB, resamples: 300, seed: 7);
        var otherSeed = Bootstrap.Percentile(predicted, truth, RankCorrelation.KendallTauB, resamples: 300, seed: 8);

        Assert.Equal(first, again);
        Assert.Equal(first.Value, otherSeed.Value);
        Assert.NotEqual(first, otherSeed);
    }

    [Fact]
    public void A_strongly_correlated_sample_has_an_interval_around_its_value()
    {
        var (predicted, truth) = CorrelatedSample(40, noise: 0.1, seed: 11);

        var tau = Bootstrap.Percentile(predicted, truth, RankCorrelation.KendallTauB);

        Assert.Equal(RankCorrelation.KendallTauB(predicted, truth), tau.Value);
        Assert.True(tau.Value > 0.8, $"tau {tau.Value}");
        Assert.True(tau.Low <= tau.Value && tau.Value <= tau.High, $"{tau}");
        Assert.True(tau.Low > 0.5 && tau.High <= 1, $"{tau}");
    }

    [Fact]
    public void Percentiles_interpolate_between_order_statistics_and_skip_NaN_draws()
    {
        // Draws give NaN, 30, 0, NaN, 20, 10; sorted without NaN: 0, 10, 20, 30 (m = 4).
        // confidence 0.5 -> quantiles 0.25 and 0.75 at positions 0.75 and 2.25:
        // Low = 0 + 0.75 * (10 - 0) = 7.5, High = 20 + 0.25 * (30 - 20) = 22.5.
        double[] predicted = [1, 2, 3], truth = [3, 2, 1];
        var draws = new Queue<double>([double.NaN, 30, 0, double.NaN, 20, 10]);
        double Statistic(IReadOnlyList<double> p, IReadOnlyList<double> t) => ReferenceEquals(p, predicted) ? 99 : draws.Dequeue();

        var interval = Bootstrap.Percentile(predicted, truth, Statistic, resamples: 6, confidence: 0.5);

        Assert.Equal(new Interval(99, 7.5, 22.5), interval);
    }

    [Fact]
    public void When_every_draw_is_NaN_the_bounds_are_NaN()
    {
        double[] predicted = [1, 2, 3, 4], constantTruth = [5, 5, 5, 5];
        var interval = Bootstrap.Percentile(predicted, constantTruth, RankCorrelation.Spearman, resamples: 50);
        Assert.True(double.IsNaN(interval.Value) && double.IsNaN(interval.Low) && double.IsNaN(interval.High));
    }

    [Fact]
    public void Perfect_agreement_evaluates_to_ones_and_k_hits_with_degenerate_intervals()
    {
        double[] truth = [.. Enumerable.Range(0, 20).Select(i => 70 + 0.1 * i)];
        double[] predicted = [.. truth.Select(t => 2 * t - 100)];

        var quality = RankingEvaluation.Evaluate(predicted, truth, k: 5, resamples: 200);

        Assert.Equal(20, quality.Count);
        Assert.Equal(5, quality.K);
        // Every draw keeps the two orders identical (copies tie in both lists), so every draw agrees fully too.
        Assert.Equal(new Interval(1, 1, 1), quality.KendallTau);
        Assert.Equal(new Interval(1, 1, 1), quality.Spearman);
        Assert.Equal(new Interval(5, 5, 5), quality.TopHits);
        Assert.Equal(new Interval(1, 1, 1), quality.LocalTau);
        Assert.Equal(new Interval(0, 0, 0), quality.Regret);
    }

    [Fact]
    public void Regret_is_how_far_the_rated_best_falls_below_the_true_best()
    {
        double[] truth = [0.91, 0.93, 0.92, 0.90];
        Assert.Equal(0.0, TopK.Regret([1, 4, 3, 2], truth), Precision);
        // The source's favourite (index 3) is the worst network: all of the range is lost.
        Assert.Equal(0.03, TopK.Regret([1, 2, 3, 4], truth), Precision);
        // A tie at the top of the ratings is broken toward the lower index, whatever order the ties come in.
        Assert.Equal(0.02, TopK.Regret([5, 1, 5, 2], truth), Precision);
        Assert.Throws<ArgumentException>(() => TopK.Regret([1, 2], [0.5, double.NaN]));
    }

    [Fact]
    public void Evaluation_clamps_k_to_the_count_and_reports_the_statistics_on_the_full_data()
    {
        double[] predicted = [0.9, 0.8, 0.1, 0.7, 0.2];
        double[] truth = [0.95, 0.3, 0.9, 0.85, 0.1];

        var clamped = RankingEvaluation.Evaluate(predicted, truth, k: 10, resamples: 100);
        var top3 = RankingEvaluation.Evaluate(predicted, truth, k: 3, resamples: 100);

        Assert.Equal(5, clamped.K);
        Assert.Equal(5, clamped.TopHits.Value);
        Assert.Equal(RankCorrelation.KendallTauB(predicted, truth), clamped.KendallTau.Value);
        Assert.Equal(RankCorrelation.Spearman(predicted, truth), clamped.Spearman.Value);
        Assert.Equal(2, top3.TopHits.Value);
        Assert.Equal(1.0 / 3, top3.LocalTau.Value, Precision);
    }

    private static double[] Permutation(int n, Random random)
    {
        double[] values = [.. Enumerable.Range(1, n).Select(i => (double)i)];
        random.Shuffle(values);
        return values;
    }

    /// <summary>Truth rising with the index, predictions equal to truth plus uniform noise of the given width.</summary>
    private static (double[] Predicted, double[] Truth) CorrelatedSample(int n, double noise, int seed)
    {
        var random = new Random(seed);
        double[] truth = [.. Enumerable.Range(0, n).Select(i => i / (double)n)];
        double[] predicted = [.. truth.Select(t => t + noise * (random.NextDouble() - 0.5))];
        return (predicted, truth);
    }
}
