package org.sparkresnet.jobs.eval;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.nd4j.evaluation.classification.ConfusionMatrix;
import org.nd4j.evaluation.classification.Evaluation;
import org.sparkresnet.data.fs.HadoopFiles;
import org.sparkresnet.jobs.metrics.Html;

import static org.sparkresnet.jobs.metrics.Html.escape;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the evaluate job leaves beside the model: evaluation-SPLIT.json (accuracy, top-5, per-class figures,
 * confusion matrix) and evaluation-SPLIT.html, a page with the per-class table and a shaded confusion matrix.
 */
public final class EvaluationReport {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private EvaluationReport() {
    }

    public record ClassFigures(String label, long images, double accuracy, double precision, double f1) {
    }

    public static List<ClassFigures> perClass(Evaluation eval, List<String> labels) {
        List<ClassFigures> rows = new ArrayList<>();
        for (int i = 0; i < labels.size(); i++) {
            int images = eval.classCount(i);
            rows.add(new ClassFigures(labels.get(i), images, images == 0 ? Double.NaN : eval.recall(i),
                    eval.precision(i), eval.f1(i)));
        }
        return rows;
    }

    public static long[][] confusion(Evaluation eval, int classes) {
        ConfusionMatrix<Integer> matrix = eval.getConfusionMatrix();
        long[][] counts = new long[classes][classes];
        for (int actual = 0; actual < classes; actual++) {
            for (int predicted = 0; predicted < classes; predicted++) {
                counts[actual][predicted] = matrix.getCount(actual, predicted);
            }
        }
        return counts;
    }

    /** Writes both files into {@code dir}; returns the HTML file's path. */
    public static Path write(Path dir, String split, String modelUri, SparkEvaluation.Result result, List<String> labels, Configuration conf) {
        List<ClassFigures> rows = perClass(result.top1(), labels);
        long[][] confusion = confusion(result.top1(), labels.size());
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("model", modelUri);
        doc.put("split", split);
        doc.put("images", result.top1().getNumRowCounter());
        doc.put("accuracy", result.accuracy());
        doc.put("top5Accuracy", Double.isNaN(result.top5Accuracy()) ? null : result.top5Accuracy());
        doc.put("perClass", rows);
        doc.put("labels", labels);
        doc.put("confusion", confusion);
        HadoopFiles.writeAtomically(new Path(dir, "evaluation-" + split + ".json"), conf, out -> out.write(JSON.writeValueAsBytes(doc)));
        Path html = new Path(dir, "evaluation-" + split + ".html");
        String page = html(split, modelUri, result, rows, labels, confusion);
        HadoopFiles.writeAtomically(html, conf, out -> out.write(page.getBytes(StandardCharsets.UTF_8)));
        return html;
    }

    private static String html(String split, String modelUri, SparkEvaluation.Result result, List<ClassFigures> rows,
                               List<String> labels, long[][] confusion) {
        StringBuilder perClass = new StringBuilder();
        for (ClassFigures r : rows) {
            perClass.append(String.format("<tr><th>%s</th><td>%,d</td><td>%.4f</td><td>%.4f</td><td>%.4f</td></tr>%n",
                    escape(r.label()), r.images(), r.accuracy(), r.precision(), r.f1()));
        }
        StringBuilder matrix = new StringBuilder("<tr><th>actual \\ predicted</th>");
        labels.forEach(l -> matrix.append("<th>").append(escape(l)).append("</th>"));
        matrix.append("</tr>\n");
        for (int a = 0; a < labels.size(); a++) {
            long rowTotal = 0;
            for (long c : confusion[a]) {
                rowTotal += c;
            }
            matrix.append("<tr><th>").append(escape(labels.get(a))).append("</th>");
            for (int p = 0; p < labels.size(); p++) {
                double share = rowTotal == 0 ? 0 : (double) confusion[a][p] / rowTotal;
                String colour = a == p ? "rgba(40,140,60,%.2f)" : "rgba(200,50,50,%.2f)";
                matrix.append("<td style=\"background:").append(String.format(colour, Math.min(1.0, share * (a == p ? 1 : 3))))
                        .append("\">").append(confusion[a][p]).append("</td>");
            }
            matrix.append("</tr>\n");
        }
        String top5 = Double.isNaN(result.top5Accuracy()) ? "" : String.format("; top-5 accuracy <b>%.4f</b>", result.top5Accuracy());
        return Html.page("Evaluation: " + split, """
                <h1>Evaluation on the %s split</h1>
                <p>Model %s: accuracy <b>%.4f</b> on %,d images%s.</p>
                <h2>Per class</h2>
                <table><tr><th>class</th><th>images</th><th>accuracy (recall)</th><th>precision</th><th>F1</th></tr>
                %s</table>
                <h2>Confusion matrix</h2><table>%s</table>
                """.formatted(escape(split), escape(modelUri), result.accuracy(), result.top1().getNumRowCounter(),
                top5, perClass, matrix));
    }
}
