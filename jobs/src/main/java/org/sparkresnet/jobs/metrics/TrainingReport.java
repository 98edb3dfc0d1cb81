package org.sparkresnet.jobs.metrics;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.sparkresnet.data.fs.HadoopFiles;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/**
 * report.html of a training run: the training loss and images/s against the iteration (one point per metrics window,
 * see {@link IterationMetrics}, with each epoch's mean), the data-wait share, the test accuracy per epoch (the charts
 * also written as PNG files), the per-epoch table and the run's settings, self-contained (charts embedded) so it can
 * be mailed or opened straight from HDFS/S3 downloads.
 */
public final class TrainingReport {
    public static final String HTML = "report.html";
    public static final String LOSS_PNG = "loss.png";
    public static final String IMAGES_PER_SECOND_PNG = "images-per-second.png";
    public static final String DATA_WAIT_PNG = "data-wait.png";
    public static final String ACCURACY_PNG = "accuracy.png";

    private TrainingReport() {
    }

    /** The report of per-epoch figures only (as before per-iteration points were kept). */
    public static void write(Path outputDir, Configuration conf, Map<String, Object> run, List<EpochMetrics> epochs) {
        write(outputDir, conf, run, epochs, List.of());
    }

    public static void write(Path outputDir, Configuration conf, Map<String, Object> run, List<EpochMetrics> epochs,
                             List<IterationMetrics> iterations) {
        List<Chart> charts = new ArrayList<>();
        double[] epochEnds = epochEndIterations(epochs);
        XYChart loss = chart("Training loss", "iteration", "loss");
        addSeries(loss, "mean over each window", iterations.stream().mapToDouble(IterationMetrics::iteration).toArray(),
                values(iterations, IterationMetrics::trainLoss));
        addSeries(loss, "epoch mean", epochEnds, values(epochs, EpochMetrics::trainLoss));
        charts.add(new Chart(LOSS_PNG, "training loss against the iteration", loss));
        XYChart speed = chart("Training speed", "iteration", "images/s");
        addSeries(speed, "over each window", iterations.stream().mapToDouble(IterationMetrics::iteration).toArray(),
                values(iterations, IterationMetrics::imagesPerSecond));
        addSeries(speed, "epoch mean", epochEnds, values(epochs, EpochMetrics::imagesPerSecond));
        charts.add(new Chart(IMAGES_PER_SECOND_PNG, "training images per second against the iteration", speed));
        XYChart wait = chart("Share of the minibatch loop waiting for data", "iteration", "data-wait share");
        addSeries(wait, "over each window", iterations.stream().mapToDouble(IterationMetrics::iteration).toArray(),
                values(iterations, IterationMetrics::dataWaitShare));
        addSeries(wait, "epoch", epochEnds, values(epochs, EpochMetrics::dataWaitShare));
        charts.add(new Chart(DATA_WAIT_PNG, "data-wait share against the iteration", wait));
        XYChart accuracy = chart("Test accuracy", "epoch", "accuracy");
        double[] epochNumbers = epochs.stream().mapToDouble(EpochMetrics::epoch).toArray();
        accuracySeries(epochs).forEach((name, value) -> addSeries(accuracy, name, epochNumbers, values(epochs, value)));
        charts.add(new Chart(ACCURACY_PNG, "test accuracy per epoch", accuracy));

        Map<String, byte[]> images = new LinkedHashMap<>();
        for (Chart c : charts) {
            if (!c.chart().getSeriesMap().isEmpty()) {
                byte[] png = png(c.chart());
                HadoopFiles.writeAtomically(new Path(outputDir, c.file()), conf, out -> out.write(png));
                images.put(c.alt(), png);
            }
        }
        String html = html(run, epochs, iterations, images);
        HadoopFiles.writeAtomically(new Path(outputDir, HTML), conf, out -> out.write(html.getBytes(StandardCharsets.UTF_8)));
    }

    private record Chart(String file, String alt, XYChart chart) {
    }

    /** The run's iteration count at the end of each epoch: where the epoch means sit on the iteration axis. */
    private static double[] epochEndIterations(List<EpochMetrics> epochs) {
        double[] ends = new double[epochs.size()];
        long sum = 0;
        for (int i = 0; i < ends.length; i++) {
            sum += epochs.get(i).iterations();
            ends[i] = sum;
        }
        return ends;
    }

    private static Map<String, ToDoubleFunction<EpochMetrics>> accuracySeries(List<EpochMetrics> epochs) {
        Map<String, ToDoubleFunction<EpochMetrics>> series = new LinkedHashMap<>();
        series.put("top-1", EpochMetrics::testAccuracy);
        if (epochs.stream().anyMatch(e -> !Double.isNaN(e.testTop5Accuracy()))) {
            series.put("top-5", EpochMetrics::testTop5Accuracy);
        }
        return series;
    }

    private static <T> double[] values(List<T> items, ToDoubleFunction<T> value) {
        return items.stream().mapToDouble(value).toArray();
    }

    private static XYChart chart(String title, String xTitle, String yTitle) {
        XYChart chart = new XYChartBuilder().width(640).height(400).title(title).xAxisTitle(xTitle).yAxisTitle(yTitle).build();
        chart.getStyler().setDefaultSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Line);
        chart.getStyler().setDecimalPattern("#0.####");
        return chart;
    }

    /** Adds the series' measured (non-NaN) points; a series with none is left out. */
    private static void addSeries(XYChart chart, String name, double[] x, double[] y) {
        int n = 0;
        double[] xs = new double[x.length];
        double[] ys = new double[y.length];
        for (int i = 0; i < x.length; i++) {
            if (Double.isFinite(y[i])) {
                xs[n] = x[i];
                ys[n++] = y[i];
            }
        }
        if (n > 0) {
            XYSeries series = chart.addSeries(name, java.util.Arrays.copyOf(xs, n), java.util.Arrays.copyOf(ys, n));
            if (n == 1) {
                series.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter); // a line of one point draws nothing
            }
        }
    }

    private static byte[] png(XYChart chart) {
        try {
            return BitmapEncoder.getBitmapBytes(chart, BitmapEncoder.BitmapFormat.PNG);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot render chart " + chart.getTitle(), e);
        }
    }

    private static String html(Map<String, Object> run, List<EpochMetrics> epochs, List<IterationMetrics> iterations,
                               Map<String, byte[]> images) {
        StringBuilder rows = new StringBuilder();
        for (EpochMetrics e : epochs) {
            rows.append(String.format("<tr><td>%d</td><td>%,d</td><td>%.4f</td><td>%.4f</td><td>%s</td><td>%.3g</td><td>%.1f</td><td>%.0f</td><td>%s</td></tr>%n",
                    e.epoch(), e.examples(), e.trainLoss(), e.testAccuracy(),
                    Double.isNaN(e.testTop5Accuracy()) ? "&ndash;" : String.format("%.4f", e.testTop5Accuracy()),
                    e.learningRate(), e.imagesPerSecond(), e.trainSeconds(),
                    Double.isNaN(e.computeShare()) ? "&ndash;" : String.format("%.0f%% of %d", 100 * e.computeShare(), e.workers())));
        }
        StringBuilder charts = new StringBuilder();
        images.forEach((alt, png) -> charts.append("<img alt=\"").append(Html.escape(alt)).append("\" src=\"data:image/png;base64,")
                .append(Base64.getEncoder().encodeToString(png)).append("\">"));
        StringBuilder settings = new StringBuilder();
        for (RunSettings.Row row : RunSettings.rows(run)) {
            settings.append("<tr><th>").append(Html.escape(row.setting())).append("</th><td>")
                    .append(Html.escape(row.value())).append("</td></tr>\n");
        }
        String status = epochs.isEmpty() ? "No epoch finished yet"
                : "%d epoch(s) so far; last test accuracy <b>%.4f</b>".formatted(epochs.size(), epochs.get(epochs.size() - 1).testAccuracy());
        String progress = iterations.isEmpty() ? "" : "; iteration %,d, training loss %.4f over its last %d iterations".formatted(
                iterations.get(iterations.size() - 1).iteration(), iterations.get(iterations.size() - 1).trainLoss(),
                iterations.get(iterations.size() - 1).windowIterations());
        return Html.page("Training report", """
                <h1>Training report</h1>
                <p>%s%s.</p>
                <div>%s</div>
                <h2>Epochs</h2>
                <table><tr><th>epoch</th><th>images</th><th>train loss</th><th>test accuracy</th><th>top-5</th><th>learning rate</th><th>images/s</th><th>seconds</th><th title="share of the workers' time in the minibatch loop (compute); the rest went to broadcasts, averaging, scheduling">compute share of workers</th></tr>
                %s</table>
                <h2>Settings</h2>
                <table class="settings"><tr><th>setting</th><th>value</th></tr>
                %s</table>
                """.formatted(status, progress, charts, rows, settings));
    }
}
