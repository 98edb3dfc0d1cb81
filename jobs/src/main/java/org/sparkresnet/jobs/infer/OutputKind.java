package org.sparkresnet.jobs.infer;

import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;

import java.util.Locale;

/** What the Transformer's output column holds. */
public enum OutputKind {
    /** struct&lt;labels: array&lt;string&gt;, probabilities: array&lt;float&gt;&gt;: the top-k classes, most probable first. */
    PREDICTIONS,
    /** array&lt;float&gt;: the pooled feature vector (512, 2048, or 64 for the small nets). */
    FEATURES;

    public static final String LABELS = "labels";
    public static final String PROBABILITIES = "probabilities";

    public String paramValue() {
        return name().toLowerCase(Locale.ROOT);
    }

    static OutputKind of(String value) {
        for (OutputKind kind : values()) {
            if (kind.paramValue().equals(value.toLowerCase(Locale.ROOT))) {
                return kind;
            }
        }
        throw new IllegalArgumentException("output kind must be predictions or features, got '" + value + "'");
    }

    DataType type() {
        return switch (this) {
            case PREDICTIONS -> DataTypes.createStructType(new StructField[] {
                    DataTypes.createStructField(LABELS, DataTypes.createArrayType(DataTypes.StringType, false), false),
                    DataTypes.createStructField(PROBABILITIES, DataTypes.createArrayType(DataTypes.FloatType, false), false)});
            case FEATURES -> DataTypes.createArrayType(DataTypes.FloatType, false);
        };
    }
}
