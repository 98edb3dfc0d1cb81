package org.sparkresnet.data.image;

import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparkresnet.data.DataPrepException;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ImageTreeListerTest {
    private static final Configuration CONF = new Configuration();

    @TempDir
    Path dir;

    @Test
    void classFoldersGiveSortedClassesAndIgnoreNonImages() throws Exception {
        ImageTree tree = ImageTreeLister.list(TestImageTrees.mixedClassFolders(dir).toUri().toString(), ImageDatasetSpec.FOLDER, CONF);
        assertEquals(List.of("cat", "dog", "fox"), tree.classIds());
        assertEquals(tree.classIds(), tree.labelNames());
        ImageSplitListing train = tree.splits().get(0);
        assertEquals("train", train.split());
        assertEquals(10, train.files().size());
        assertEquals(1, train.ignoredFiles(), "README.txt");
        assertEquals(List.of(0, 0, 0, 0, 1, 1, 1, 2, 2, 2), train.files().stream().map(ImageFile::label).toList());
        assertTrue(train.files().get(1).uri().endsWith("cat/c2.JPG"), train.files().get(1).uri());
        assertEquals(Files.size(dir.resolve("train/cat/c1.jpg")), train.files().get(0).length());
        ImageSplitListing test = tree.splits().get(1);
        assertEquals("test", test.split());
        assertTrue(test.sourceUri().endsWith("/val"), test.sourceUri());
        assertEquals(6, test.files().size());
        assertTrue(train.problems().isEmpty() && test.problems().isEmpty());
    }

    @Test
    void ilsvrcArchiveLayoutUsesTheSynsetMappingAndValSolution() throws Exception {
        ImageTree tree = ImageTreeLister.list(TestImageTrees.ilsvrc(dir, 2, 3).toUri().toString(), ImageDatasetSpec.IMAGENET, CONF);
        assertEquals(TestImageTrees.WNIDS, tree.classIds());
        assertEquals(TestImageTrees.WNID_NAMES, tree.labelNames());
        assertEquals(6, tree.splits().get(0).files().size());
        ImageSplitListing val = tree.splits().get(1);
        assertEquals(List.of(0, 0, 0, 1, 1, 1, 2, 2, 2), val.files().stream().map(ImageFile::label).toList());
        assertTrue(val.files().get(3).uri().endsWith("ILSVRC/Data/CLS-LOC/val/ILSVRC2012_val_00000004.JPEG"), val.files().get(3).uri());
    }

    @Test
    void aTreeWithoutTrainFolderIsOneTrainingSplit() throws Exception {
        TestImages.write(dir.resolve("roses/a.jpg"), TestImages.jpeg(TestImages.photoLike(20, 20, 1)));
        TestImages.write(dir.resolve("tulips/b.jpg"), TestImages.jpeg(TestImages.photoLike(20, 20, 2)));
        ImageTree tree = ImageTreeLister.list(dir.toUri().toString(), ImageDatasetSpec.FOLDER, CONF);
        assertEquals(List.of("roses", "tulips"), tree.classIds());
        assertEquals(1, tree.splits().size());
    }

    @Test
    void problemsAreCollectedWithTheirReasons() throws Exception {
        TestImageTrees.mixedClassFolders(dir);
        Files.createDirectories(dir.resolve("train/zebra"));
        Files.write(dir.resolve("train/dog/empty.jpg"), new byte[0]);
        ImageSplitListing train = ImageTreeLister.list(dir.toUri().toString(), ImageDatasetSpec.FOLDER, CONF).splits().get(0);
        assertEquals(2, train.problems().size(), train.problems().toString());
        assertTrue(train.problems().get(0).file().endsWith("train/dog/empty.jpg"));
        assertEquals("empty file (0 bytes)", train.problems().get(0).reason());
        assertTrue(train.problems().get(1).file().endsWith("train/zebra"));
        assertTrue(train.problems().get(1).reason().startsWith("empty class folder: no image files (.bmp, .jpeg, .jpg"), train.problems().get(1).reason());
    }

    /** A partial download: LOC_val_solution.csv lists an image that is not there; a problem naming the row and the file. */
    @Test
    void aValImageListedInTheSolutionButMissingIsAProblemNamingTheLineAndTheFile() throws Exception {
        TestImageTrees.ilsvrc(dir, 1, 2);
        Files.delete(dir.resolve("ILSVRC/Data/CLS-LOC/val/ILSVRC2012_val_00000004.JPEG"));
        ImageSplitListing val = ImageTreeLister.list(dir.toUri().toString(), ImageDatasetSpec.IMAGENET, CONF).splits().get(1);
        assertEquals(5, val.files().size());
        assertEquals(1, val.problems().size(), val.problems().toString());
        assertTrue(val.problems().get(0).file().endsWith("CLS-LOC/val/ILSVRC2012_val_00000004.*"), val.problems().get(0).file());
        assertTrue(val.problems().get(0).reason().matches(".*LOC_val_solution\\.csv line 5 but no image file ILSVRC2012_val_00000004\\.\\* is in .*CLS-LOC/val"),
                val.problems().get(0).reason());
    }

    @Test
    void inconsistentTreesAreRefusedNamingTheCulprit() throws Exception {
        TestImageTrees.ilsvrc(dir, 1, 1);
        Path csv = dir.resolve("LOC_val_solution.csv");
        Files.writeString(csv, Files.readString(csv) + "ILSVRC2012_val_00000099,n99999999 1 2 3 4\n");
        DataPrepException unknownClass = assertThrows(DataPrepException.class,
                () -> ImageTreeLister.list(dir.toUri().toString(), ImageDatasetSpec.IMAGENET, CONF));
        assertTrue(unknownClass.getMessage().endsWith("LOC_val_solution.csv: line 5: class n99999999 of image ILSVRC2012_val_00000099 is not one of the 3 training classes"),
                unknownClass.getMessage());

        Files.delete(csv);
        DataPrepException noCsv = assertThrows(DataPrepException.class,
                () -> ImageTreeLister.list(dir.toUri().toString(), ImageDatasetSpec.IMAGENET, CONF));
        assertTrue(noCsv.getMessage().contains("CLS-LOC/val holds no class folders and there is no LOC_val_solution.csv"), noCsv.getMessage());

        Files.createDirectories(dir.resolve("ILSVRC/Data/CLS-LOC/train/n00000001"));
        DataPrepException notInMapping = assertThrows(DataPrepException.class,
                () -> ImageTreeLister.list(dir.toUri().toString(), ImageDatasetSpec.IMAGENET, CONF));
        assertTrue(notInMapping.getMessage().contains("train/n00000001: class folder not listed in"), notInMapping.getMessage());

        Path other = dir.resolve("other");
        TestImages.write(other.resolve("train/a/1.jpg"), TestImages.jpeg(TestImages.photoLike(20, 20, 1)));
        TestImages.write(other.resolve("train/b/1.jpg"), TestImages.jpeg(TestImages.photoLike(20, 20, 1)));
        TestImages.write(other.resolve("val/c/1.jpg"), TestImages.jpeg(TestImages.photoLike(20, 20, 1)));
        DataPrepException unknownFolder = assertThrows(DataPrepException.class,
                () -> ImageTreeLister.list(other.toUri().toString(), ImageDatasetSpec.FOLDER, CONF));
        assertTrue(unknownFolder.getMessage().endsWith("val/c: class folder 'c' is not one of the 2 training classes"), unknownFolder.getMessage());
    }
}
