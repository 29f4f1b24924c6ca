package dev.thaw.resources.jetty;

import java.util.concurrent.atomic.AtomicBoolean;

import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpHeaderValue;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpStream;
import org.eclipse.jetty.server.Request;

/**
 * Counts the requests a connector is serving, from the moment Jetty hands them to the handlers until
 * the response has been fully written.
 *
 * <p>It is a {@link HttpConfiguration.Customizer} rather than a handler so it can be attached to an
 * already built (even started) server without touching the application's handler tree. Jetty's own
 * {@code Connector.shutdown()} is not used for draining because it shortens every connection's idle
 * timeout to one second, which fails any request that computes for longer than that without I/O.
 */
final class InFlightRequests implements HttpConfiguration.Customizer {

    private int inFlight;
    private volatile boolean draining;

    @Override
    public Request customize(Request request, HttpFields.Mutable responseHeaders) {
        started();
        long token = ThawRequestMeter.begin();
        AtomicBoolean finished = new AtomicBoolean();
        request.addHttpStreamWrapper(stream -> new HttpStream.Wrapper(stream) {
            @Override
            public void succeeded() {
                try {
                    super.succeeded();
                } finally {
                    if (finished.compareAndSet(false, true)) finish(token);
                }
            }

            @Override
            public void failed(Throwable failure) {
                try {
                    super.failed(failure);
                } finally {
                    if (finished.compareAndSet(false, true)) finish(token);
                }
            }
        });
        // A client still sending on a kept-alive connection during the drain is told to go elsewhere,
        // otherwise it could keep the drain busy until the timeout.
        if (draining && isHttp1(request)) {
            responseHeaders.put(HttpHeader.CONNECTION, HttpHeaderValue.CLOSE.asString());
        }
        return request;
    }

    void startDraining() {
        draining = true;
    }

    void stopDraining() {
        draining = false;
    }

    synchronized int count() {
        return inFlight;
    }

    private void finish(long token) {
        finished();
        ThawRequestMeter.end(token);
    }

    private synchronized void started() {
        inFlight++;
    }

    private synchronized void finished() {
        inFlight--;
        if (inFlight == 0) notifyAll();
    }

    private static boolean isHttp1(Request request) {
        HttpVersion version = request.getConnectionMetaData().getHttpVersion();
        return version == HttpVersion.HTTP_1_0 || version == HttpVersion.HTTP_1_1;
    }
}
