package dev.thaw.lifecycle.agent;

import java.lang.invoke.MethodHandles;
import java.util.function.Consumer;
import org.objectweb.asm.ClassWriter;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;

/**
 * The one class thaw puts into java.base: {@code jdk.internal.misc.ThawHooks}, a static
 * {@code created(Object)} that the rewritten JDK constructors call and that forwards to a sink set by
 * the agent. JDK classes are loaded by the boot loader and cannot see the agent's classes, which live
 * in the app class loader; a class defined in java.base (through a private lookup into the package the
 * agent opened) can be called from every JDK class, with no jar added to the boot class path and no
 * global such as a system property holding an object.
 */
final class HookBridge {
    static final String CLASS = "jdk/internal/misc/ThawHooks";
    static final String METHOD = "created";
    static final String DESCRIPTOR = "(Ljava/lang/Object;)V";

    private HookBridge() {
    }

    /** Defines the bridge class (once per JVM) and points it at {@code sink}. */
    static void install(Consumer<Object> sink) throws ReflectiveOperationException {
        Class<?> bridge;
        try {
            bridge = Class.forName(CLASS.replace('/', '.'), false, null);
        } catch (ClassNotFoundException e) {
            MethodHandles.Lookup lookup = MethodHandles.privateLookupIn(Class.forName("jdk.internal.misc.VM"), MethodHandles.lookup());
            bridge = lookup.defineClass(bytes());
        }
        bridge.getField("sink").set(null, sink);
    }

    /**
     * <pre>{@code
     * public final class ThawHooks {
     *     public static volatile Consumer<Object> sink;
     *     public static void created(Object o) { Consumer<Object> s = sink; if (s != null) s.accept(o); }
     * }
     * }</pre>
     */
    static byte[] bytes() {
        ClassWriter cw = new ClassWriter(ClassWriter.COMPUTE_MAXS);
        cw.visit(Opcodes.V11, Opcodes.ACC_PUBLIC | Opcodes.ACC_FINAL | Opcodes.ACC_SUPER, CLASS, null, "java/lang/Object", null);
        cw.visitField(Opcodes.ACC_PUBLIC | Opcodes.ACC_STATIC | Opcodes.ACC_VOLATILE, "sink", "Ljava/util/function/Consumer;", null, null).visitEnd();
        MethodVisitor m = cw.visitMethod(Opcodes.ACC_PUBLIC | Opcodes.ACC_STATIC, METHOD, DESCRIPTOR, null, null);
        m.visitCode();
        m.visitFieldInsn(Opcodes.GETSTATIC, CLASS, "sink", "Ljava/util/function/Consumer;");
        m.visitVarInsn(Opcodes.ASTORE, 1);
        m.visitVarInsn(Opcodes.ALOAD, 1);
        org.objectweb.asm.Label done = new org.objectweb.asm.Label();
        m.visitJumpInsn(Opcodes.IFNULL, done);
        m.visitVarInsn(Opcodes.ALOAD, 1);
        m.visitVarInsn(Opcodes.ALOAD, 0);
        m.visitMethodInsn(Opcodes.INVOKEINTERFACE, "java/util/function/Consumer", "accept", "(Ljava/lang/Object;)V", true);
        m.visitLabel(done);
        m.visitFrame(Opcodes.F_FULL, 2, new Object[] {"java/lang/Object", "java/util/function/Consumer"}, 0, new Object[0]);
        m.visitInsn(Opcodes.RETURN);
        m.visitMaxs(0, 0);
        m.visitEnd();
        cw.visitEnd();
        return cw.toByteArray();
    }
}
