package org.sparkresnet.model.layers;

import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DIFF_DST;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DIFF_SRC;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DIFF_WEIGHTS;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DST;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_FROM;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_SRC;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_TO;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_WEIGHTS;

import java.util.ArrayList;
import java.util.List;
import org.bytedeco.dnnl.IntMemoryMap;
import org.bytedeco.dnnl.convolution_backward_data;
import org.bytedeco.dnnl.convolution_backward_weights;
import org.bytedeco.dnnl.convolution_forward;
import org.bytedeco.dnnl.engine;
import org.bytedeco.dnnl.global.dnnl.algorithm;
import org.bytedeco.dnnl.global.dnnl.prop_kind;
import org.bytedeco.dnnl.memory;
import org.bytedeco.dnnl.primitive;
import org.bytedeco.dnnl.reorder;
import org.bytedeco.dnnl.stream;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.javacpp.Pointer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.nativeblas.NativeOpsHolder;
import org.nd4j.linalg.factory.Nd4j;

/**
 * oneDNN's float convolution primitives (forward, backward data, backward weights) for one geometry, created once and
 * run on NCHW activations and OIHW weights where ND4J keeps them: each call reorders into the layouts oneDNN chose,
 * runs, and reorders back. The blocked copies live in per-thread scratch buffers shared by every layer on the thread,
 * so memory does not grow with the depth of the network. Instances are used by one thread at a time (one layer of
 * one network), as DL4J layers are.
 */
final class DnnlConvolution {
    /** One CPU engine per JVM. */
    private static final engine ENGINE = new engine(engine.kind.cpu, 0);
    private static final ThreadLocal<stream> STREAM = ThreadLocal.withInitial(() -> new stream(ENGINE));
    /** The OpenMP thread count last set on this thread (oneDNN and libnd4j share one OpenMP runtime). */
    private static final ThreadLocal<int[]> OMP_THREADS = ThreadLocal.withInitial(() -> new int[]{-1});
    /** Scratch buffers for the blocked copies: at most this many are live at once (backward: dy twice, w, dx, x, dw). */
    private static final int SLOTS = 6;
    private static final ThreadLocal<BytePointer[]> SCRATCH = ThreadLocal.withInitial(() -> new BytePointer[SLOTS]);

    private final DnnlConvolutionGeometry geometry;
    private final memory x, w, y, dy, dx, dw;
    private final Step forward;
    private final Step backward;

    DnnlConvolution(DnnlConvolutionGeometry g) {
        this.geometry = g;
        long[] xd = g.inputShape(), wd = g.weightShape(), yd = g.outputShape();
        x = user(xd, memory.format_tag.nchw);
        w = user(wd, memory.format_tag.oihw);
        y = user(yd, memory.format_tag.nchw);
        dy = user(yd, memory.format_tag.nchw);
        dx = user(xd, memory.format_tag.nchw);
        dw = user(wd, memory.format_tag.oihw);
        long[] strides = {g.strideH(), g.strideW()};
        long[] padL = {g.padTop(), g.padLeft()};
        long[] padR = {g.padBottom(), g.padRight()};

        convolution_forward.primitive_desc fpd = new convolution_forward.primitive_desc(new convolution_forward.desc(
                prop_kind.forward_training, algorithm.convolution_direct, any(xd), any(wd), new memory.desc(), any(yd),
                strides, padL, padR), ENGINE);
        forward = new Step();
        memory fx = forward.in(x, fpd.src_desc());
        memory fw = forward.in(w, fpd.weights_desc());
        memory fy = forward.out(y, fpd.dst_desc());
        forward.run(new convolution_forward(fpd), new IntMemoryMap().put(DNNL_ARG_SRC, fx).put(DNNL_ARG_WEIGHTS, fw).put(DNNL_ARG_DST, fy));

        convolution_backward_data.primitive_desc dpd = new convolution_backward_data.primitive_desc(
                new convolution_backward_data.desc(algorithm.convolution_direct, any(xd), any(wd), any(yd), strides, padL, padR),
                ENGINE, fpd);
        convolution_backward_weights.primitive_desc wpd = new convolution_backward_weights.primitive_desc(
                new convolution_backward_weights.desc(algorithm.convolution_direct, any(xd), any(wd), new memory.desc(), any(yd),
                        strides, padL, padR), ENGINE, fpd);
        backward = new Step();
        memory ddy = backward.in(dy, dpd.diff_dst_desc());
        memory dw1 = backward.in(w, dpd.weights_desc());
        memory ddx = backward.out(dx, dpd.diff_src_desc());
        backward.run(new convolution_backward_data(dpd),
                new IntMemoryMap().put(DNNL_ARG_DIFF_DST, ddy).put(DNNL_ARG_WEIGHTS, dw1).put(DNNL_ARG_DIFF_SRC, ddx));
        memory wdy = wpd.diff_dst_desc().equals(dpd.diff_dst_desc()) ? ddy : backward.in(dy, wpd.diff_dst_desc());
        memory wx = backward.in(x, wpd.src_desc());
        memory wdw = backward.out(dw, wpd.diff_weights_desc());
        backward.run(new convolution_backward_weights(wpd),
                new IntMemoryMap().put(DNNL_ARG_SRC, wx).put(DNNL_ARG_DIFF_DST, wdy).put(DNNL_ARG_DIFF_WEIGHTS, wdw));
    }

    DnnlConvolutionGeometry geometry() {
        return geometry;
    }

    /** out = conv(input, weights); all float, C-order contiguous, of this geometry's shapes. */
    void forward(INDArray input, INDArray weights, INDArray out) {
        bind(x, input);
        bind(w, weights);
        bind(y, out);
        forward.execute();
    }

    /** inputGrad and weightGrad from input, weights and outputGrad; all float, C-order contiguous. */
    void backward(INDArray input, INDArray weights, INDArray outputGrad, INDArray inputGrad, INDArray weightGrad) {
        bind(x, input);
        bind(w, weights);
        bind(dy, outputGrad);
        bind(dx, inputGrad);
        bind(dw, weightGrad);
        backward.execute();
    }

    private static void bind(memory m, INDArray array) {
        // addressPointer() already points at the array's first element, views included
        m.set_data_handle(array.data().addressPointer());
    }

    private static memory user(long[] dims, memory.format_tag tag) {
        return new memory(desc(dims, tag), ENGINE, (Pointer) null);
    }

    private static memory.desc any(long[] dims) {
        return desc(dims, memory.format_tag.any);
    }

    private static memory.desc desc(long[] dims, memory.format_tag tag) {
        return new memory.desc(new LongPointer(dims), memory.data_type.f32, tag);
    }

    /** A primitive with its arguments. */
    private record Call(primitive primitive, IntMemoryMap arguments) {
        static Call reorder(memory from, memory to) {
            return new Call(new reorder(new reorder.primitive_desc(from, to)),
                    new IntMemoryMap().put(DNNL_ARG_FROM, from).put(DNNL_ARG_TO, to));
        }
    }

    /** A sequence of primitive calls, then the reorders back into the user's arrays, and the scratch they use. */
    private static final class Step {
        private final List<Call> calls = new ArrayList<>();
        private final List<Call> after = new ArrayList<>();
        private final List<memory> scratchMemories = new ArrayList<>();
        private final List<Long> scratchBytes = new ArrayList<>();

        /** {@code user} as the primitive wants it: itself, or a scratch copy reordered from it first. */
        memory in(memory user, memory.desc wanted) {
            if (user.get_desc().equals(wanted)) {
                return user;
            }
            memory copy = scratch(wanted);
            calls.add(Call.reorder(user, copy));
            return copy;
        }

        /** Where the primitive writes: {@code user}, or a scratch buffer reordered into it after the step. */
        memory out(memory user, memory.desc produced) {
            if (user.get_desc().equals(produced)) {
                return user;
            }
            memory copy = scratch(produced);
            after.add(Call.reorder(copy, user));
            return copy;
        }

        void run(primitive p, IntMemoryMap args) {
            calls.add(new Call(p, args));
        }

        private memory scratch(memory.desc desc) {
            memory m = new memory(desc, ENGINE, (Pointer) null);
            if (scratchMemories.size() == SLOTS) {
                throw new IllegalStateException("a convolution step needs more than " + SLOTS + " scratch buffers");
            }
            scratchMemories.add(m);
            scratchBytes.add(desc.get_size());
            return m;
        }

        void execute() {
            useNd4jThreadCount();
            BytePointer[] slots = SCRATCH.get();
            for (int i = 0; i < scratchMemories.size(); i++) {
                long bytes = scratchBytes.get(i);
                if (slots[i] == null || slots[i].capacity() < bytes) {
                    if (slots[i] != null) {
                        slots[i].deallocate();
                    }
                    slots[i] = new BytePointer(bytes);
                }
                scratchMemories.get(i).set_data_handle(slots[i]);
            }
            stream s = STREAM.get();
            for (Call call : calls) {
                call.primitive().execute(s, call.arguments());
            }
            for (Call call : after) {
                call.primitive().execute(s, call.arguments());
            }
            s._wait();
        }
    }

    /**
     * oneDNN runs on the OpenMP runtime libnd4j loaded, which takes its thread count per calling thread: give it
     * ND4J's (a single-threaded Spark worker stays on one core).
     */
    private static void useNd4jThreadCount() {
        int threads = Nd4j.getEnvironment().maxThreads();
        int[] current = OMP_THREADS.get();
        if (current[0] != threads) {
            NativeOpsHolder.getInstance().getDeviceNativeOps().setOmpNumThreads(threads);
            current[0] = threads;
        }
    }
}
