//! Lambda function URL requests and answers: the request's body decoded, and every answer JSON
//! with a status, an error as `{"errorType", "message"}` with the status that says what kind.

use crate::{Error, Result};
use aws_lambda_events::event::lambda_function_urls::{
    LambdaFunctionUrlRequest, LambdaFunctionUrlResponse,
};
use aws_lambda_events::http::{HeaderMap, HeaderValue};

/// The request's body as sent: Lambda base64-encodes a body that is not text.
pub fn body(request: &LambdaFunctionUrlRequest) -> Result<Vec<u8>> {
    let body = request.body.as_deref().unwrap_or_default();
    if request.is_base64_encoded {
        aws_smithy_types::base64::decode(body)
            .map_err(|e| Error::InvalidInput(format!("the body is not base64: {e}")))
    } else {
        Ok(body.as_bytes().to_vec())
    }
}

pub fn response(status: i64, body: &serde_json::Value) -> LambdaFunctionUrlResponse {
    let mut headers = HeaderMap::new();
    headers.insert("content-type", HeaderValue::from_static("application/json"));
    let mut response = LambdaFunctionUrlResponse::default();
    response.status_code = status;
    response.headers = headers;
    response.body = Some(body.to_string());
    response
}

/// An error's answer: 400 for a bad request, 403 for a caller refused, 503 for what a retry may
/// fix, `not_found` for what is not there (404, or 410 for what is gone), `otherwise` for the rest.
pub fn error(err: &Error, not_found: i64, otherwise: i64) -> LambdaFunctionUrlResponse {
    let status = match err {
        Error::InvalidInput(_) => 400,
        Error::AccessDenied(_) => 403,
        Error::NotFound(_) => not_found,
        Error::Throttled(_) | Error::Transient(_) => 503,
        _ => otherwise,
    };
    response(
        status,
        &serde_json::json!({"errorType": err.error_type(), "message": err.to_string()}),
    )
}
