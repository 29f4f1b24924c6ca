package dev.thaw.lifecycle.agent;

import java.lang.instrument.ClassFileTransformer;
import java.security.ProtectionDomain;
import java.util.Map;
import java.util.Set;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassVisitor;
import org.objectweb.asm.ClassWriter;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;

/**
 * Adds one call, {@code ThawHooks.created(this)}, before every return of a few JDK constructors and
 * methods, so that thaw learns about objects it must find later and that nothing else lists:
 * <ul>
 *   <li>always: every {@code java.security.SecureRandom}, to reseed it in each restored worker, and every
 *       context of the JDK's HttpServer, to count its requests ({@link JdkHttpServerRequests}), and every NIO
 *       listening socket, for the drain to close ({@link Drain});</li>
 *   <li>detective mode: every {@code FileDescriptor} (each socket, server socket and file is made with
 *       one, whatever the API), every started {@code Thread} and every {@code java.util.Random}, to show
 *       where the app created it.</li>
 * </ul>
 * Only public, long-stable entry points are touched (constructors, {@code Thread.start}), never a
 * private method body, so the rewrite does not depend on the JDK version (17 to 25). The class shape is
 * unchanged (no field or method added), as retransformation requires.
 */
final class JdkRewriter implements ClassFileTransformer {
    static final String SECURE_RANDOM = "java/security/SecureRandom";
    /** Class -> methods to hook ("<init>" = every constructor). */
    static final String HTTP_CONTEXT = "sun/net/httpserver/HttpContextImpl";
    /** Every NIO listening socket, for the drain to close (Drain). */
    static final String SERVER_SOCKET_CHANNEL = "sun/nio/ch/ServerSocketChannelImpl";
    private static final Map<String, String> ALWAYS = Map.of(SECURE_RANDOM, "<init>", SERVER_SOCKET_CHANNEL, "<init>");
    private static final Map<String, String> DETECTIVE = Map.of(
            "java/io/FileDescriptor", "<init>",
            "java/lang/Thread", "start",
            "java/util/Random", "<init>");

    private final Map<String, String> targets;

    /** {@code httpServer}: jdk.httpserver may call the hook bridge (see ThawAgent), so its contexts are hooked. */
    JdkRewriter(boolean detective, boolean httpServer) {
        java.util.HashMap<String, String> all = new java.util.HashMap<>(ALWAYS);
        if (httpServer) {
            all.put(HTTP_CONTEXT, "<init>");
        }
        if (detective) {
            all.putAll(DETECTIVE);
        }
        targets = Map.copyOf(all);
    }

    Set<String> classNames() {
        return targets.keySet();
    }

    @Override
    public byte[] transform(Module module, ClassLoader loader, String className, Class<?> redefined,
                            ProtectionDomain domain, byte[] classfile) {
        // JDK classes only: java.base's are the boot loader's, jdk.httpserver's the platform loader's
        boolean jdk = loader == null || loader == ClassLoader.getPlatformClassLoader();
        String method = jdk ? targets.get(className) : null;
        if (method == null) {
            return null;
        }
        try {
            return rewrite(classfile, method);
        } catch (RuntimeException e) {
            System.err.println("thaw agent: cannot instrument " + className + " (" + e + "); continuing without it");
            return null;
        }
    }

    static byte[] rewrite(byte[] classfile, String method) {
        ClassReader reader = new ClassReader(classfile);
        ClassWriter writer = new ClassWriter(reader, ClassWriter.COMPUTE_MAXS);
        reader.accept(new ClassVisitor(Opcodes.ASM9, writer) {
            @Override
            public MethodVisitor visitMethod(int access, String name, String descriptor, String signature, String[] exceptions) {
                MethodVisitor mv = super.visitMethod(access, name, descriptor, signature, exceptions);
                boolean hooked = name.equals(method) && (access & Opcodes.ACC_STATIC) == 0
                        && (!name.equals("start") || descriptor.equals("()V"));
                return hooked ? new CallBeforeReturn(mv) : mv;
            }
        }, 0);
        return writer.toByteArray();
    }

    /** {@code ThawHooks.created(this)} before each RETURN: at that point a constructor's {@code this} is fully built. */
    private static final class CallBeforeReturn extends MethodVisitor {
        CallBeforeReturn(MethodVisitor next) {
            super(Opcodes.ASM9, next);
        }

        @Override
        public void visitInsn(int opcode) {
            if (opcode == Opcodes.RETURN) {
                super.visitVarInsn(Opcodes.ALOAD, 0);
                super.visitMethodInsn(Opcodes.INVOKESTATIC, HookBridge.CLASS, HookBridge.METHOD, HookBridge.DESCRIPTOR, false);
            }
            super.visitInsn(opcode);
        }
    }
}
