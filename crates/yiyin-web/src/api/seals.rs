//! The seal API: verify a sealed document (by its number, or by uploading its PDF, OFD or JSON),
//! read the published seals, the seal-making authority's root certificate and CRL, and the daily
//! signed chain heads (all public), and download a closed case's archive package (staff); hand a
//! seal over to the county's own e-seal system and register its maker's revocation list (the
//! system administrators).

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::response::Response;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use yiyin_store::archive::PublishedHead;
use yiyin_store::seals::{SealCrl, SealRecord};

use crate::auth::{CallerFor, gate};
use yiyin_app::App;
use yiyin_app::documents::Verdict;

use crate::error::{ApiResult, AppError, Body, ErrorBody, Path, Query};

#[derive(Debug, Deserialize, IntoParams)]
pub struct VerifyQuery {
    /// 文号 or licence number printed on the document (the QR code carries it).
    pub number: String,
    /// 核验码 printed on the document (the QR code carries it), or the case's query code: with it
    /// the full record; without it, minimal facts with a person's name masked.
    #[serde(default)]
    pub code: Option<String>,
}

/// The registered facts of a document or licence, looked up by its number (public): by number
/// alone whether it is genuine and in force, its kind, issuer and date, a person's name masked; with
/// its verification code the full record. The number may be typed loosely: spaces, any brackets
/// around the year, with or without 号, full-width, any case, or the bare case number.
#[utoipa::path(get, path = "/api/v1/verify", tag = "核验", params(VerifyQuery),
    responses((status = 200, body = Verdict), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn lookup(
    State(state): State<App>,
    Query(q): Query<VerifyQuery>,
) -> ApiResult<Json<Verdict>> {
    let number = q.number.trim();
    if number.is_empty() {
        return Err(AppError::invalid("请填写要核验的文号").into());
    }
    Ok(state
        .lookup(number, q.code.as_deref())
        .await?
        .map(Json)
        .ok_or_else(|| AppError::NotFound(format!("没有找到文号为「{number}」的文书或证照")))?)
}

/// Verify a sealed document's PDF or JSON, sent as the request body (public): the signature, the
/// seal, and whether a licence is still in force; when invalid, exactly why.
#[utoipa::path(post, path = "/api/v1/verify", tag = "核验",
    request_body(content = Vec<u8>, content_type = "application/octet-stream", description = "文书的PDF或JSON文件"),
    responses((status = 200, body = Verdict), (status = 422, body = ErrorBody)))]
pub async fn verify(State(state): State<App>, body: Bytes) -> ApiResult<Json<Verdict>> {
    if body.is_empty() {
        return Err(AppError::invalid("请求体为空：请发送要核验的PDF或JSON文件").into());
    }
    Ok(Json(state.verify_bytes(&body).await?))
}

/// The seals, active and retired, with their public keys (public).
#[utoipa::path(get, path = "/api/v1/seals", tag = "核验",
    responses((status = 200, body = Vec<SealRecord>)))]
pub async fn seals(State(state): State<App>) -> ApiResult<Json<Vec<SealRecord>>> {
    Ok(Json(state.store.seals().await?))
}

/// The seal-making authority's certificate revocation list (public; DER, RFC 5280, signed by the
/// root): every revoked seal certificate with the day it was revoked.
#[utoipa::path(get, path = "/api/v1/seals/crl", tag = "核验",
    responses((status = 200, content_type = "application/pkix-crl", body = Vec<u8>),
        (status = 503, body = ErrorBody)))]
pub async fn crl(State(state): State<App>) -> ApiResult<Response> {
    let der = state.seal_crl().await?;
    Ok(crate::pages::file_response(
        "application/pkix-crl",
        "yiyin-seals.crl",
        false,
        der,
    ))
}

/// The seal-making authority's root certificate (public; DER, SM2 with SM3): the trust anchor of
/// every seal certificate in the OFD files.
#[utoipa::path(get, path = "/api/v1/seals/root", tag = "核验",
    responses((status = 200, content_type = "application/pkix-cert", body = Vec<u8>),
        (status = 503, body = ErrorBody)))]
pub async fn root_certificate(State(state): State<App>) -> ApiResult<Response> {
    let der = state.seal_root_certificate().await?;
    Ok(crate::pages::file_response(
        "application/pkix-cert",
        "yiyin-seal-root.cer",
        false,
        der,
    ))
}

/// The chain heads published each day, signed by the platform seal, newest first (public). Anyone
/// who keeps one can later ask `yiyin audit verify --head SEQ:HASH` whether history was rewritten.
#[utoipa::path(get, path = "/api/v1/audit/heads", tag = "审计",
    responses((status = 200, body = Vec<PublishedHead>)))]
pub async fn heads(State(state): State<App>) -> ApiResult<Json<Vec<PublishedHead>>> {
    Ok(Json(state.store.published_heads(366).await?))
}

/// A closed case's archive package (zip): built when the case closed, or now if not yet (staff whose
/// duty covers the case).
#[utoipa::path(get, path = "/api/v1/cases/{id}/archive", tag = "审计",
    params(("id" = i64, Path, description = "办件编号（内部）")),
    responses((status = 200, content_type = "application/zip", body = Vec<u8>),
        (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn archive(call: CallerFor<gate::ViewCase>, Path(id): Path<i64>) -> ApiResult<Response> {
    let (name, bytes) = call.app.download_package(&call.who, id).await?;
    Ok(crate::pages::file_response(
        "application/zip",
        &name,
        false,
        bytes,
    ))
}

/// A county's own e-seal system (外部签章系统) to sign for a seal (`docs/signing-adapter.md`).
#[derive(Debug, Deserialize, ToSchema)]
pub struct ExternalSignerRequest {
    /// 签章接口的基础地址（http:// 或 https:// 开头，不带查询参数；调用时附加 /sign）
    pub url: String,
    /// 县里制章机构签发的签章证书：DER 的 Base64，或 PEM
    pub certificate: String,
    /// 电子印章数据（GB/T 38540 SES_Seal，由县里的制章者签名）：DER 的 Base64，或 PEM；
    /// 制章者证书即受信任的根
    pub seal_data: String,
    /// 可选：县里制章机构的证书吊销列表（CRL）地址（http:// 或 https://），一印每小时获取一次
    #[serde(default)]
    pub crl_url: Option<String>,
    /// 可选：证书吊销列表（CRL）：DER 的 Base64，或 PEM；须由电子印章数据中的制章者签发
    #[serde(default)]
    pub crl: Option<String>,
}

/// The revocation list of an external seal's maker: where to fetch it, and/or the list itself.
#[derive(Debug, Deserialize, ToSchema)]
pub struct SealCrlRequest {
    /// 证书吊销列表（CRL）地址（http:// 或 https://），一印每小时获取一次
    #[serde(default)]
    pub url: Option<String>,
    /// 证书吊销列表（CRL）：DER 的 Base64，或 PEM；须由该印章的制章者签发，且不早于已采用的列表
    #[serde(default)]
    pub crl: Option<String>,
}

/// The CRL source of a request: the list read from Base64 or PEM.
fn crl_source<'a>(
    url: Option<&'a str>,
    crl: &'a Option<Vec<u8>>,
) -> yiyin_app::seal_crls::CrlSource<'a> {
    yiyin_app::seal_crls::CrlSource {
        url,
        crl: crl.as_deref(),
    }
}

/// Register where the CRL of an external seal's maker (the county's seal-making authority) is
/// fetched from and/or upload one (system administrators of the seal's county): the list must be
/// signed by the maker in the seal's registered seal data (SM2/SM3) and not older than the one
/// kept; when it lists the seal's certificate, the certificate is revoked and verification
/// reports it. Audited; bad input is refused in Chinese and changes nothing.
#[utoipa::path(post, path = "/api/v1/seals/{id}/crl", tag = "核验",
    params(("id" = i64, Path, description = "外部签章系统的印章编号（见 /api/v1/seals）")),
    request_body = SealCrlRequest,
    responses((status = 200, body = SealCrl), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn set_crl(
    call: CallerFor<gate::SealCrl>,
    Path(id): Path<i64>,
    Body(req): Body<SealCrlRequest>,
) -> ApiResult<Json<SealCrl>> {
    use yiyin_app::seals::der_from;
    let crl = match req.crl.as_deref().filter(|c| !c.trim().is_empty()) {
        Some(c) => Some(der_from("证书吊销列表（crl）", c.as_bytes())?),
        None => None,
    };
    let source = crl_source(req.url.as_deref(), &crl);
    Ok(Json(call.app.set_seal_crl(&call.who, id, &source).await?))
}

/// Hand a seal in use over to the county's own qualified e-seal system (system administrators of
/// the seal's county): the seal data and certificate are checked (the maker a CA, the certificate
/// in the seal data and the holder's, the seal's name, valid today), then the seal is retired and
/// the external one registered in its place, audited; from then on the holder's documents are
/// signed through the interface. Bad input is refused in Chinese and changes nothing.
#[utoipa::path(post, path = "/api/v1/seals/{id}/external-signer", tag = "核验",
    params(("id" = i64, Path, description = "在用印章的编号（见 /api/v1/seals）")),
    request_body = ExternalSignerRequest,
    responses((status = 201, body = SealRecord), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn register_external_signer(
    call: CallerFor<gate::ExternalSigner>,
    Path(id): Path<i64>,
    Body(req): Body<ExternalSignerRequest>,
) -> ApiResult<(axum::http::StatusCode, Json<SealRecord>)> {
    use yiyin_app::seals::der_from;
    let certificate = der_from("签章证书（certificate）", req.certificate.as_bytes())?;
    let eseal = der_from("电子印章数据（seal_data）", req.seal_data.as_bytes())?;
    let crl = match req.crl.as_deref().filter(|c| !c.trim().is_empty()) {
        Some(c) => Some(der_from("证书吊销列表（crl）", c.as_bytes())?),
        None => None,
    };
    let source = crl_source(req.crl_url.as_deref(), &crl);
    let seal = call
        .app
        .register_external_signer(&call.who, id, &req.url, &certificate, &eseal, &source)
        .await?;
    Ok((axum::http::StatusCode::CREATED, Json(seal)))
}
