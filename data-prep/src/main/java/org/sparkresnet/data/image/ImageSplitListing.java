package org.sparkresnet.data.image;

import org.sparkresnet.data.SkippedFile;

import java.util.List;
import java.util.Objects;

/**
 * The files of one split as listed on the driver (names and sizes only, no pixels).
 *
 * @param split        the prepared split's name ("train", "test")
 * @param sourceUri    the folder the files came from
 * @param files        images to decode, grouped by class, sorted by name within a class
 * @param problems     inputs found bad while listing (empty class folder, zero-byte file, val image without a label)
 * @param ignoredFiles files that are not images by their extension (e.g. a README), left out silently but counted
 */
public record ImageSplitListing(String split, String sourceUri, List<ImageFile> files, List<SkippedFile> problems, int ignoredFiles) {
    public ImageSplitListing {
        Objects.requireNonNull(split, "split");
        Objects.requireNonNull(sourceUri, "sourceUri");
        files = List.copyOf(files);
        problems = List.copyOf(problems);
    }
}
