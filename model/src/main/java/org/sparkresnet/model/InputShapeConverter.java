package org.sparkresnet.model;

import picocli.CommandLine;

/** Lets picocli options take "CxHxW" directly, with InputShape's own error message. */
public final class InputShapeConverter implements CommandLine.ITypeConverter<InputShape> {
    @Override
    public InputShape convert(String value) {
        try {
            return InputShape.parse(value);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.TypeConversionException(e.getMessage());
        }
    }
}
