package dev.thaw.lifecycle.agent;

import java.lang.instrument.ClassFileTransformer;
import java.security.ProtectionDomain;
import java.util.ArrayList;
import java.util.List;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassVisitor;
import org.objectweb.asm.ClassWriter;
import org.objectweb.asm.Label;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.Type;

/**
 * Wraps the {@link EntryPoint}s of the web servers thaw recognizes as their classes are loaded, so that
 * an app that knows nothing of thaw has its requests counted. The original method is kept, renamed and
 * private, and a method of the original name and descriptor calls it between the hooks: the original
 * body is never edited, so the rewrite cannot break it, and a server version whose method differs (another
 * descriptor) is left alone rather than half-wrapped.
 *
 * <p>Server classes are loaded long after the agent starts (by Spring Boot's fat jar loader, for one), so
 * they are transformed as they are defined: adding a method is allowed then, unlike in a retransformation.
 * The wrapper calls {@link ServerRequests} by name from the server's class loader; a loader that cannot
 * see the agent's classes (one that does not delegate to the application class loader) gets the class
 * unchanged, and the agent says so once.
 */
final class ServerRewriter implements ClassFileTransformer {
    static final String HOOKS = "dev/thaw/lifecycle/agent/ServerRequests";
    static final String SUFFIX = "$thaw$original";

    @Override
    public byte[] transform(Module module, ClassLoader loader, String className, Class<?> redefined,
                            ProtectionDomain domain, byte[] classfile) {
        if (className == null || redefined != null || !className.startsWith("org/") && !className.startsWith("io/")) {
            return null;
        }
        List<EntryPoint> points = new ArrayList<>();
        for (EntryPoint p : EntryPoint.ALL) {
            if (p.owner().equals(className)) {
                points.add(p);
            }
        }
        if (points.isEmpty()) {
            return null;
        }
        if (!seesHooks(loader)) {
            ServerRequests.unreachable(points.get(0).server(), loader);
            return null;
        }
        try {
            List<EntryPoint> wrapped = new ArrayList<>();
            byte[] rewritten = rewrite(classfile, points, wrapped);
            for (EntryPoint p : wrapped) {
                ServerRequests.recognized(p);
            }
            return wrapped.isEmpty() ? null : rewritten;
        } catch (RuntimeException e) {
            System.err.println("thaw agent: cannot instrument " + className + " (" + e + "); its requests are not counted");
            return null;
        }
    }

    /** The server's loader finds the agent's own ServerRequests (and not another copy, or none). */
    private static boolean seesHooks(ClassLoader loader) {
        try {
            return Class.forName(HOOKS.replace('/', '.'), false, loader) == ServerRequests.class;
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }

    /** Returns the rewritten class; {@code wrapped} receives the entry points found in it. */
    static byte[] rewrite(byte[] classfile, List<EntryPoint> points, List<EntryPoint> wrapped) {
        ClassReader reader = new ClassReader(classfile);
        ClassWriter writer = new ClassWriter(reader, ClassWriter.COMPUTE_MAXS);
        reader.accept(new ClassVisitor(Opcodes.ASM9, writer) {
            private String owner;

            @Override
            public void visit(int version, int access, String name, String signature, String superName, String[] interfaces) {
                owner = name;
                super.visit(version, access, name, signature, superName, interfaces);
            }

            @Override
            public MethodVisitor visitMethod(int access, String name, String descriptor, String signature, String[] exceptions) {
                EntryPoint point = find(points, name, descriptor, access);
                if (point == null) {
                    return super.visitMethod(access, name, descriptor, signature, exceptions);
                }
                wrapped.add(point);
                writeWrapper(cv, owner, access, name, descriptor, signature, exceptions, point);
                int hidden = (access & ~(Opcodes.ACC_PUBLIC | Opcodes.ACC_PROTECTED)) | Opcodes.ACC_PRIVATE | Opcodes.ACC_SYNTHETIC;
                return super.visitMethod(hidden, name + SUFFIX, descriptor, null, exceptions);
            }
        }, 0);
        return writer.toByteArray();
    }

    private static EntryPoint find(List<EntryPoint> points, String name, String descriptor, int access) {
        if ((access & (Opcodes.ACC_ABSTRACT | Opcodes.ACC_NATIVE)) != 0) {
            return null;
        }
        for (EntryPoint p : points) {
            if (p.method().equals(name) && p.descriptor().equals(descriptor) && wrappable(descriptor)) {
                return p;
            }
        }
        return null;
    }

    /** Object arguments only; a void, boolean or object result (the hooks' shapes). */
    static boolean wrappable(String descriptor) {
        for (Type t : Type.getArgumentTypes(descriptor)) {
            if (t.getSort() != Type.OBJECT && t.getSort() != Type.ARRAY) {
                return false;
            }
        }
        int r = Type.getReturnType(descriptor).getSort();
        return r == Type.VOID || r == Type.BOOLEAN || r == Type.OBJECT || r == Type.ARRAY;
    }

    private static void writeWrapper(ClassVisitor cv, String owner, int access, String name, String descriptor, String signature,
                                     String[] exceptions, EntryPoint point) {
        boolean isStatic = (access & Opcodes.ACC_STATIC) != 0;
        Type[] args = Type.getArgumentTypes(descriptor);
        Type result = Type.getReturnType(descriptor);
        int argCount = args.length + (isStatic ? 0 : 1);
        int tokenSlot = argCount; // every argument (and this) is one slot: objects only
        int resultSlot = tokenSlot + 2;
        int thrownSlot = resultSlot + 1;

        MethodVisitor m = cv.visitMethod(access & ~Opcodes.ACC_SYNCHRONIZED, name, descriptor, signature, exceptions);
        m.visitCode();
        loadAll(m, argCount);
        m.visitMethodInsn(Opcodes.INVOKESTATIC, HOOKS, "enter" + point.hook(), "(" + "Ljava/lang/Object;".repeat(argCount) + ")J", false);
        m.visitVarInsn(Opcodes.LSTORE, tokenSlot);
        if (point.wrapArg() >= 0) {
            int slot = point.wrapArg() + (isStatic ? 0 : 1);
            m.visitVarInsn(Opcodes.LLOAD, tokenSlot);
            m.visitVarInsn(Opcodes.ALOAD, slot);
            m.visitMethodInsn(Opcodes.INVOKESTATIC, HOOKS, "wrap" + point.hook(), "(JLjava/lang/Object;)Ljava/lang/Object;", false);
            m.visitTypeInsn(Opcodes.CHECKCAST, args[point.wrapArg()].getInternalName());
            m.visitVarInsn(Opcodes.ASTORE, slot);
        }
        Label start = new Label();
        Label end = new Label();
        Label handler = new Label();
        m.visitTryCatchBlock(start, end, handler, "java/lang/Throwable");
        m.visitLabel(start);
        loadAll(m, argCount);
        m.visitMethodInsn(isStatic ? Opcodes.INVOKESTATIC : Opcodes.INVOKESPECIAL, owner, name + SUFFIX, descriptor, false);
        m.visitLabel(end);
        String exit = "exit" + point.hook();
        String exitDescriptor = "(JLjava/lang/Object;Ljava/lang/Throwable;" + "Ljava/lang/Object;".repeat(argCount) + ")V";
        switch (result.getSort()) {
            case Type.VOID -> {
                m.visitVarInsn(Opcodes.LLOAD, tokenSlot);
                m.visitInsn(Opcodes.ACONST_NULL);
                m.visitInsn(Opcodes.ACONST_NULL);
                loadAll(m, argCount);
                m.visitMethodInsn(Opcodes.INVOKESTATIC, HOOKS, exit, exitDescriptor, false);
                m.visitInsn(Opcodes.RETURN);
            }
            case Type.BOOLEAN -> {
                m.visitVarInsn(Opcodes.ISTORE, resultSlot);
                m.visitVarInsn(Opcodes.LLOAD, tokenSlot);
                m.visitVarInsn(Opcodes.ILOAD, resultSlot);
                m.visitMethodInsn(Opcodes.INVOKESTATIC, "java/lang/Boolean", "valueOf", "(Z)Ljava/lang/Boolean;", false);
                m.visitInsn(Opcodes.ACONST_NULL);
                loadAll(m, argCount);
                m.visitMethodInsn(Opcodes.INVOKESTATIC, HOOKS, exit, exitDescriptor, false);
                m.visitVarInsn(Opcodes.ILOAD, resultSlot);
                m.visitInsn(Opcodes.IRETURN);
            }
            default -> {
                m.visitVarInsn(Opcodes.ASTORE, resultSlot);
                m.visitVarInsn(Opcodes.LLOAD, tokenSlot);
                m.visitVarInsn(Opcodes.ALOAD, resultSlot);
                m.visitInsn(Opcodes.ACONST_NULL);
                loadAll(m, argCount);
                m.visitMethodInsn(Opcodes.INVOKESTATIC, HOOKS, exit, exitDescriptor, false);
                m.visitVarInsn(Opcodes.ALOAD, resultSlot);
                m.visitInsn(Opcodes.ARETURN);
            }
        }
        // The handler's frame: the arguments as declared and the token; nothing else is assigned yet.
        Object[] locals = new Object[argCount + 1];
        int i = 0;
        if (!isStatic) {
            locals[i++] = owner;
        }
        for (Type a : args) {
            locals[i++] = a.getSort() == Type.ARRAY ? a.getDescriptor() : a.getInternalName();
        }
        locals[i] = Opcodes.LONG;
        m.visitLabel(handler);
        m.visitFrame(Opcodes.F_FULL, locals.length, locals, 1, new Object[] {"java/lang/Throwable"});
        m.visitVarInsn(Opcodes.ASTORE, thrownSlot);
        m.visitVarInsn(Opcodes.LLOAD, tokenSlot);
        m.visitInsn(Opcodes.ACONST_NULL);
        m.visitVarInsn(Opcodes.ALOAD, thrownSlot);
        loadAll(m, argCount);
                m.visitMethodInsn(Opcodes.INVOKESTATIC, HOOKS, exit, exitDescriptor, false);
        m.visitVarInsn(Opcodes.ALOAD, thrownSlot);
        m.visitInsn(Opcodes.ATHROW);
        m.visitMaxs(0, 0);
        m.visitEnd();
    }

    private static void loadAll(MethodVisitor m, int count) {
        for (int slot = 0; slot < count; slot++) {
            m.visitVarInsn(Opcodes.ALOAD, slot);
        }
    }
}
