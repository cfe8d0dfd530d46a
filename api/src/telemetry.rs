use crate::config::LogFormat;
use opentelemetry::trace::TracerProvider as _;
use std::sync::{
    atomic::{AtomicBool, Ordering},
    OnceLock,
};
use tracing_subscriber::{fmt, prelude::*, registry::LookupSpan, EnvFilter};

/// The OTLP exporter's provider, when `OTEL_EXPORTER_OTLP_ENDPOINT` is set:
/// flushed on shutdown.
static PROVIDER: OnceLock<opentelemetry_sdk::trace::SdkTracerProvider> = OnceLock::new();
static EXPORTING: AtomicBool = AtomicBool::new(false);

/// Whether spans go out over OTLP: work done only for traces (a span per
/// SQL statement) is skipped otherwise.
pub fn exporting() -> bool {
    EXPORTING.load(Ordering::Relaxed)
}

/// Spans over OTLP/HTTP (protobuf), through `tracing-opentelemetry`, when
/// `OTEL_EXPORTER_OTLP_ENDPOINT` is set; the exporter reads the standard
/// `OTEL_*` variables (endpoint, headers, timeout, batch delays).
/// Without it, no exporter runs.
fn otlp<S>(
) -> Option<tracing_opentelemetry::OpenTelemetryLayer<S, opentelemetry_sdk::trace::Tracer>>
where
    S: tracing::Subscriber + for<'span> LookupSpan<'span>,
{
    std::env::var("OTEL_EXPORTER_OTLP_ENDPOINT")
        .ok()
        .filter(|e| !e.trim().is_empty())?;
    let exporter = match opentelemetry_otlp::SpanExporter::builder()
        .with_http()
        .build()
    {
        Ok(e) => e,
        Err(e) => {
            eprintln!("OTLP export is off: the exporter could not be built: {e}");
            return None;
        }
    };
    let service = std::env::var("OTEL_SERVICE_NAME").unwrap_or_else(|_| "hearth".to_owned());
    let provider = opentelemetry_sdk::trace::SdkTracerProvider::builder()
        .with_batch_exporter(exporter)
        .with_resource(
            opentelemetry_sdk::Resource::builder()
                .with_service_name(service)
                .build(),
        )
        .build();
    let tracer = provider.tracer("hearth");
    let _ = PROVIDER.set(provider);
    EXPORTING.store(true, Ordering::Relaxed);
    Some(tracing_opentelemetry::layer().with_tracer(tracer))
}

/// Sends what the exporter still holds; called as the server stops.
pub fn shutdown() {
    if let Some(p) = PROVIDER.get() {
        let _ = p.force_flush();
        let _ = p.shutdown();
    }
}

/// Logs go to stderr; `RUST_LOG` filters (default `info`). Spans also go
/// out over OTLP when `OTEL_EXPORTER_OTLP_ENDPOINT` is set.
pub fn init(format: LogFormat) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let registry = tracing_subscriber::registry().with(filter).with(otlp());
    let result = match format {
        LogFormat::Text => registry
            .with(fmt::layer().with_writer(std::io::stderr))
            .try_init(),
        LogFormat::Json => registry
            .with(fmt::layer().json().with_writer(std::io::stderr))
            .try_init(),
    };
    // A second init (tests start many servers) keeps the first subscriber.
    let _ = result;
}

/// The root span of each HTTP request but a WebSocket upgrade, with the
/// fields `tracing-actix-web` gives it, except that the target is the path alone
/// (a GET query's variables, such as a search's words, never reach a log
/// or a trace) and a calendar feed's path, whose token is the credential,
/// is redacted.
pub struct RedactingSpans;

impl tracing_actix_web::RootSpanBuilder for RedactingSpans {
    fn on_request_start(request: &actix_web::dev::ServiceRequest) -> tracing::Span {
        use actix_web::HttpMessage;
        // A WebSocket's upgrade request would keep its span, with its
        // formatted fields, open for the life of the connection; the
        // connection's own events say what happens on it.
        // Only where a WebSocket can open, so that no other request can
        // shed its span by adding the header.
        let upgrade = request.method() == actix_web::http::Method::GET
            && request.path() == "/graphql"
            && request
                .headers()
                .get(actix_web::http::header::UPGRADE)
                .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"websocket"));
        if upgrade {
            return tracing::Span::none();
        }
        let request_id = request
            .extensions()
            .get::<tracing_actix_web::RequestId>()
            .map(|r| r.to_string())
            .unwrap_or_default();
        let calendar = request.path().starts_with("/calendar/")
            || request.match_pattern().as_deref() == Some("/calendar/{file}");
        let (route, target) = if calendar {
            (
                "/calendar/{file}".to_owned(),
                "/calendar/[redacted].ics".to_owned(),
            )
        } else {
            (
                request.match_pattern().unwrap_or_else(|| "default".into()),
                request.path().to_owned(),
            )
        };
        tracing::info_span!(
            "HTTP request",
            http.method = %request.method(),
            http.route = %route,
            http.target = %target,
            http.status_code = tracing::field::Empty,
            otel.name = %format!("{} {}", request.method(), route),
            otel.kind = "server",
            otel.status_code = tracing::field::Empty,
            request_id = %request_id,
            exception.message = tracing::field::Empty,
            exception.details = tracing::field::Empty,
        )
    }

    fn on_request_end<B: actix_web::body::MessageBody>(
        span: tracing::Span,
        outcome: &Result<actix_web::dev::ServiceResponse<B>, actix_web::Error>,
    ) {
        tracing_actix_web::DefaultRootSpanBuilder::on_request_end(span, outcome)
    }
}
