package dev.thaw.lifecycle.agent;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;

/**
 * Netty's types as the class loader of one codec class sees them, looked up once per codec class: the
 * agent is compiled against no Netty, and an app may carry more than one (shaded) copy.
 *
 * @param requestDecoder the codec is an {@code HttpRequestDecoder} (server side), not a response decoder
 * @param responseEncoder the codec is an {@code HttpResponseEncoder} (server side)
 */
record NettyTypes(boolean requestDecoder, boolean responseEncoder, Class<?> request, Class<?> response, Class<?> lastContent,
                  MethodHandle channelOf, MethodHandle closeConnection) {
    private static final ClassValue<NettyTypes> BY_CODEC = new ClassValue<>() {
        @Override
        protected NettyTypes computeValue(Class<?> codec) {
            try {
                ClassLoader loader = codec.getClassLoader();
                Class<?> context = Class.forName("io.netty.channel.ChannelHandlerContext", false, loader);
                Class<?> channel = Class.forName("io.netty.channel.Channel", false, loader);
                MethodHandle channelOf = MethodHandles.publicLookup().findVirtual(context, "channel", MethodType.methodType(channel))
                        .asType(MethodType.methodType(Object.class, Object.class));
                Class<?> message = Class.forName("io.netty.handler.codec.http.HttpMessage", false, loader);
                Class<?> httpUtil = Class.forName("io.netty.handler.codec.http.HttpUtil", false, loader);
                MethodHandle closeConnection = MethodHandles.publicLookup().findStatic(httpUtil, "setKeepAlive",
                        MethodType.methodType(void.class, message, boolean.class)).asType(MethodType.methodType(void.class, Object.class,
                        boolean.class));
                return new NettyTypes(
                        Class.forName("io.netty.handler.codec.http.HttpRequestDecoder", false, loader).isAssignableFrom(codec),
                        Class.forName("io.netty.handler.codec.http.HttpResponseEncoder", false, loader).isAssignableFrom(codec),
                        Class.forName("io.netty.handler.codec.http.HttpRequest", false, loader),
                        Class.forName("io.netty.handler.codec.http.HttpResponse", false, loader),
                        Class.forName("io.netty.handler.codec.http.LastHttpContent", false, loader),
                        channelOf, closeConnection);
            } catch (ReflectiveOperationException | LinkageError | RuntimeException e) {
                return null; // not Netty's HTTP codec as thaw knows it: nothing counted
            }
        }
    };

    /** The types for {@code codec}, or null when its loader has no Netty HTTP codec. */
    static NettyTypes of(Class<?> codec) {
        return BY_CODEC.get(codec);
    }

    Object channel(Object context) throws Throwable {
        return channelOf.invokeExact(context);
    }

    /** Marks a response head as the last of its connection ({@code Connection: close}). */
    void closeConnectionAfter(Object response) throws Throwable {
        closeConnection.invokeExact(response, false);
    }
}
