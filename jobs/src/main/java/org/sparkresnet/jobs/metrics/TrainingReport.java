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
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/**
 * report.html of a training run: loss and accuracy curves (also written as PNG files) and the per-epoch table,
 * self-contained (charts embedded) so it can be mailed or opened straight from HDFS/S3 downloads.
 */
public final class TrainingReport {
    public static final String HTML = "report.html";
    public static final String LOSS_PNG = "loss.png";
    public static final String ACCURACY_PNG = "accuracy.png";

    private TrainingReport() {
    }

    public static void write(Path outputDir, Configuration conf, Map<String, Object> run, List<EpochMetrics> epochs) {
        byte[] loss = png(chart("Training loss", "loss", epochs, Map.of("train loss", EpochMetrics::trainLoss)));
        byte[] accuracy = png(chart("Test accuracy", "accuracy", epochs, accuracySeries(epochs)));
        HadoopFiles.writeAtomically(new Path(outputDir, LOSS_PNG), conf, out -> out.write(loss));
        HadoopFiles.writeAtomically(new Path(outputDir, ACCURACY_PNG), conf, out -> out.write(accuracy));
        String html = html(run, epochs, loss, accuracy);
        HadoopFiles.writeAtomically(new Path(outputDir, HTML), conf, out -> out.write(html.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    }

    private static Map<String, ToDoubleFunction<EpochMetrics>> accuracySeries(List<EpochMetrics> epochs) {
        boolean top5 = epochs.stream().anyMatch(e -> !Double.isNaN(e.testTop5Accuracy()));
        return top5 ? Map.of("top-1", EpochMetrics::testAccuracy, "top-5", EpochMetrics::testTop5Accuracy)
                : Map.of("top-1", EpochMetrics::testAccuracy);
    }

    private static XYChart chart(String title, String yTitle, List<EpochMetrics> epochs, Map<String, ToDoubleFunction<EpochMetrics>> series) {
        XYChart chart = new XYChartBuilder().width(640).height(400).title(title).xAxisTitle("epoch").yAxisTitle(yTitle).build();
        chart.getStyler().setDefaultSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Line);
        chart.getStyler().setDecimalPattern("#0.####");
        double[] x = epochs.stream().mapToDouble(EpochMetrics::epoch).toArray();
        series.forEach((name, value) -> chart.addSeries(name, x, epochs.stream().mapToDouble(value).toArray()));
        return chart;
    }

    private static byte[] png(XYChart chart) {
        try {
            return BitmapEncoder.getBitmapBytes(chart, BitmapEncoder.BitmapFormat.PNG);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot render chart " + chart.getTitle(), e);
        }
    }

    private static String html(Map<String, Object> run, List<EpochMetrics> epochs, byte[] loss, byte[] accuracy) {
        StringBuilder rows = new StringBuilder();
        for (EpochMetrics e : epochs) {
            rows.append(String.format("<tr><td>%d</td><td>%,d</td><td>%.4f</td><td>%.4f</td><td>%s</td><td>%.3g</td><td>%.1f</td><td>%.0f</td><td>%s</td></tr>%n",
                    e.epoch(), e.examples(), e.trainLoss(), e.testAccuracy(),
                    Double.isNaN(e.testTop5Accuracy()) ? "&ndash;" : String.format("%.4f", e.testTop5Accuracy()),
                    e.learningRate(), e.imagesPerSecond(), e.trainSeconds(),
                    Double.isNaN(e.computeShare()) ? "&ndash;" : String.format("%.0f%% of %d", 100 * e.computeShare(), e.workers())));
        }
        StringBuilder settings = new StringBuilder();
        run.forEach((k, v) -> settings.append("<tr><th>").append(Html.escape(k)).append("</th><td>").append(Html.escape(String.valueOf(v))).append("</td></tr>\n"));
        return Html.page("Training report", """
                <h1>Training report</h1>
                <p>%d epoch(s) so far; last test accuracy <b>%.4f</b>.</p>
                <div><img alt="training loss per epoch" src="data:image/png;base64,%s"><img alt="test accuracy per epoch" src="data:image/png;base64,%s"></div>
                <h2>Epochs</h2>
                <table><tr><th>epoch</th><th>images</th><th>train loss</th><th>test accuracy</th><th>top-5</th><th>learning rate</th><th>images/s</th><th>seconds</th><th title="share of the workers' time in the minibatch loop (compute); the rest went to broadcasts, averaging, scheduling">compute share of workers</th></tr>
                %s</table>
                <h2>Run</h2><table>%s</table>
                """.formatted(epochs.size(), epochs.get(epochs.size() - 1).testAccuracy(),
                Base64.getEncoder().encodeToString(loss), Base64.getEncoder().encodeToString(accuracy), rows, settings));
    }
}
