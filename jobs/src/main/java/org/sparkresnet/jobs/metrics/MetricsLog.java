package org.sparkresnet.jobs.metrics;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.sparkresnet.data.fs.HadoopFiles;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * metrics.json and report.html of a training run, rewritten atomically after every epoch so that a person (or a
 * crashed run's post-mortem) always finds whole, current files.
 */
public final class MetricsLog {
    public static final String FILE_NAME = "metrics.json";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final Path file;
    private final Configuration conf;
    private final Map<String, Object> run;
    private final List<EpochMetrics> epochs = new ArrayList<>();

    public MetricsLog(Path outputDir, Configuration conf, Map<String, Object> run) {
        this.file = new Path(outputDir, FILE_NAME);
        this.conf = conf;
        this.run = new LinkedHashMap<>(run);
    }

    public void append(EpochMetrics metrics) {
        epochs.add(metrics);
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("run", run);
        doc.put("epochs", epochs);
        HadoopFiles.writeAtomically(file, conf, out -> out.write(JSON.writeValueAsBytes(doc)));
        TrainingReport.write(file.getParent(), conf, run, epochs);
    }

    public List<EpochMetrics> epochs() {
        return List.copyOf(epochs);
    }

    public Path file() {
        return file;
    }
}
