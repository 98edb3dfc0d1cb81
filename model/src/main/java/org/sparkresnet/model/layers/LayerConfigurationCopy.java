package org.sparkresnet.model.layers;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;

/**
 * Copies a DL4J layer configuration's fields into an instance of the project's subclass of it, so that the subclass
 * is built with DL4J's own builder (validation, defaults) and differs only in the layer it instantiates.
 */
final class LayerConfigurationCopy {
    private LayerConfigurationCopy() {
    }

    /** Every instance field declared by {@code type} and its superclasses, from {@code source} into {@code target}. */
    static <T, S extends T> S copy(Class<T> type, T source, S target) {
        for (Class<?> c = type; c != Object.class; c = c.getSuperclass()) {
            for (Field field : c.getDeclaredFields()) {
                if (!Modifier.isStatic(field.getModifiers())) {
                    field.setAccessible(true);
                    try {
                        field.set(target, field.get(source));
                    } catch (IllegalAccessException e) {
                        throw new IllegalStateException("cannot copy " + c.getSimpleName() + "." + field.getName(), e);
                    }
                }
            }
        }
        return target;
    }
}
