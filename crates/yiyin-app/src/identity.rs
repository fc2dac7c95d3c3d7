//! Real-name login through the unified identity platform (统一身份认证, OpenID Connect: authorization
//! code with PKCE, a nonce and a state, the ID token's signature, issuer, audience and nonce checked,
//! the name and ID number read from the user-info claims the server configures), and one identity per
//! person and organisation (一人一档): the callback logs into the account bound to the verified
//! identity, or makes one, or binds it to the logged-in password account that asked; the applicant's
//! licences under the verified identity. Every binding and every login through the provider is an
//! event. The provider's HTTP goes through Yiyin's own reqwest (no redirects followed).

use std::collections::HashMap;
use std::sync::Arc;

use chrono::Duration;
use openidconnect::core::{
    CoreAuthenticationFlow, CoreClient, CoreGenderClaim, CoreProviderMetadata,
};
use openidconnect::{
    AccessTokenHash, AuthorizationCode, ClientId, ClientSecret, CsrfToken, EndpointMaybeSet,
    EndpointNotSet, EndpointSet, IssuerUrl, Nonce, OAuth2TokenResponse, PkceCodeChallenge,
    PkceCodeVerifier, RedirectUrl, Scope, TokenResponse, UserInfoClaims,
};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use serde_json::json;
use yiyin_domain::identity::verified_subject;
use yiyin_domain::party::{Actor, Channel, SubjectId};
use yiyin_store::accounts::{AccountKind, NewAccount};
use yiyin_store::identities::{IdentityLogin, NewIdentity};
use yiyin_store::licences::Licence;

use crate::App;
use crate::accounts::{Session, token_hash};
use crate::error::{AppError, Result};
use crate::paging::{ListPage, id_cursor, page_limit};
use crate::principal::Principal;
use crate::users::events_in;

/// How long a login started at the provider may take to come back.
pub const LOGIN_MINUTES: i64 = 10;

/// The most licences a page of the applicant's licences may hold.
pub const MY_LICENCES_PAGE_MAX: i64 = 200;

/// What every callback that cannot be taken is told (an unknown, used or expired state, a state
/// not of this browser).
pub const STALE_LOGIN: &str = "统一身份认证登录请求无效、已使用或已过期，请返回登录页重新登录";

/// The provider as configured on the server.
#[derive(Clone)]
pub struct ProviderConfig {
    /// The issuer's URL (its `/.well-known/openid-configuration` is read from it).
    pub issuer: String,
    pub client_id: String,
    pub client_secret: SecretString,
    /// Yiyin's callback, as registered at the provider (`…/login/sso/callback`).
    pub redirect_url: String,
    /// The claim carrying the verified name (`name`).
    pub name_claim: String,
    /// The claim carrying the citizen ID number or credit code (e.g. `id_number`).
    pub id_claim: String,
    /// The scopes asked for besides `openid` (e.g. `profile`).
    pub scopes: Vec<String>,
}

impl std::fmt::Debug for ProviderConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProviderConfig")
            .field("issuer", &self.issuer)
            .field("client_id", &self.client_id)
            .field("redirect_url", &self.redirect_url)
            .field("name_claim", &self.name_claim)
            .field("id_claim", &self.id_claim)
            .field("scopes", &self.scopes)
            .finish_non_exhaustive()
    }
}

/// The provider: its configuration, the HTTP client and its metadata once discovered.
#[derive(Debug)]
pub struct Provider {
    config: ProviderConfig,
    issuer: IssuerUrl,
    redirect: RedirectUrl,
    http: reqwest::Client,
    metadata: tokio::sync::RwLock<Option<CoreProviderMetadata>>,
}

/// An error of the provider's HTTP.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct HttpError(String);

async fn send(
    http: reqwest::Client,
    request: openidconnect::HttpRequest,
) -> std::result::Result<openidconnect::HttpResponse, HttpError> {
    let (parts, body) = request.into_parts();
    let response = http
        .request(parts.method, parts.uri.to_string())
        .headers(parts.headers)
        .body(body)
        .send()
        .await
        .map_err(|e| HttpError(e.to_string()))?;
    let mut out = openidconnect::http::Response::builder().status(response.status());
    for (name, value) in response.headers() {
        out = out.header(name, value);
    }
    let bytes = response
        .bytes()
        .await
        .map_err(|e| HttpError(e.to_string()))?;
    out.body(bytes.to_vec())
        .map_err(|e| HttpError(e.to_string()))
}

/// Claims as read, whatever their names.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(transparent)]
struct AnyClaims(HashMap<String, serde_json::Value>);

impl openidconnect::AdditionalClaims for AnyClaims {}

impl AnyClaims {
    fn text(&self, name: &str) -> Option<String> {
        match self.0.get(name)? {
            serde_json::Value::String(s) => Some(s.clone()),
            serde_json::Value::Number(n) => Some(n.to_string()),
            _ => None,
        }
    }
}

/// The provider's client as [`CoreClient::from_provider_metadata`] makes it: authorisation
/// endpoint set, token and user-information endpoints as the metadata says.
type ProviderClient = CoreClient<
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointMaybeSet,
    EndpointMaybeSet,
>;

impl Provider {
    /// The provider of a configuration, its URLs checked.
    pub fn new(config: ProviderConfig) -> std::result::Result<Provider, String> {
        let issuer = IssuerUrl::new(config.issuer.trim().to_string())
            .map_err(|e| format!("统一身份认证平台地址「{}」无效：{e}", config.issuer))?;
        let redirect = RedirectUrl::new(config.redirect_url.trim().to_string())
            .map_err(|e| format!("统一身份认证回调地址「{}」无效：{e}", config.redirect_url))?;
        if config.client_id.trim().is_empty() {
            return Err("统一身份认证的客户端标识（client id）不能为空".into());
        }
        if config.name_claim.trim().is_empty() || config.id_claim.trim().is_empty() {
            return Err("须指定统一身份认证中携带姓名和证件号码的声明名称".into());
        }
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(std::time::Duration::from_secs(15))
            .build()
            .map_err(|e| e.to_string())?;
        Ok(Provider {
            config,
            issuer,
            redirect,
            http,
            metadata: tokio::sync::RwLock::new(None),
        })
    }

    /// The issuer, as events record it.
    pub fn issuer(&self) -> &str {
        self.issuer.as_str()
    }

    fn http(
        &self,
    ) -> impl Fn(
        openidconnect::HttpRequest,
    ) -> std::pin::Pin<
        Box<
            dyn Future<Output = std::result::Result<openidconnect::HttpResponse, HttpError>> + Send,
        >,
    > {
        let http = self.http.clone();
        move |request| Box::pin(send(http.clone(), request))
    }

    /// The provider's client as its metadata describes it, returning to our callback.
    async fn client(&self) -> Result<ProviderClient> {
        let metadata = self.metadata().await?;
        Ok(CoreClient::from_provider_metadata(
            metadata,
            ClientId::new(self.config.client_id.clone()),
            Some(ClientSecret::new(
                self.config.client_secret.expose_secret().to_string(),
            )),
        )
        .set_redirect_uri(self.redirect.clone()))
    }

    /// The provider's metadata, discovered once (and again after a failure).
    async fn metadata(&self) -> Result<CoreProviderMetadata> {
        if let Some(m) = self.metadata.read().await.as_ref() {
            return Ok(m.clone());
        }
        let found = CoreProviderMetadata::discover_async(self.issuer.clone(), &self.http())
            .await
            .map_err(|e| {
                tracing::warn!(error = %e, "identity provider discovery failed");
                AppError::Unavailable(
                    "统一身份认证平台暂时无法访问，请稍后再试或使用账号密码登录".into(),
                )
            })?;
        *self.metadata.write().await = Some(found.clone());
        Ok(found)
    }
}

/// Where a finished login through the provider leads.
#[derive(Debug)]
pub enum Finished {
    /// Logged in (a new session), to return to `next`.
    LoggedIn { session: Box<Session>, next: String },
    /// The logged-in account's identity is now verified.
    Bound { next: String },
}

/// The identity a callback verified.
struct Verified {
    subject: String,
    id: SubjectId,
    name: String,
}

impl App {
    /// Uses a real-name provider.
    pub fn with_identity_provider(mut self, provider: Provider) -> Self {
        self.identity_provider = Some(Arc::new(provider));
        self
    }

    /// Whether real-name login through a provider is offered.
    pub fn identity_login_offered(&self) -> bool {
        self.identity_provider.is_some()
    }

    fn provider(&self) -> Result<Arc<Provider>> {
        self.identity_provider
            .clone()
            .ok_or_else(|| AppError::NotFound("本平台未启用统一身份认证登录".into()))
    }

    /// Starts a login at the provider (or, for a logged-in applicant, the binding of its
    /// identity): the provider's address to send the browser to, and the state the browser keeps
    /// (the web layer's cookie) until it comes back. `next` must be a local path (checked by the
    /// web layer).
    pub async fn start_identity_login(
        &self,
        next: &str,
        binding: Option<&Principal>,
    ) -> Result<(String, String)> {
        let provider = self.provider()?;
        if let Some(who) = binding {
            who.require_applicant()?;
            if who.account.verified.is_some() {
                return Err(AppError::Conflict("您的账号已完成实名核验".into()));
            }
        }
        let client = provider.client().await?;
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let mut request = client
            .authorize_url(
                CoreAuthenticationFlow::AuthorizationCode,
                CsrfToken::new_random,
                Nonce::new_random,
            )
            .set_pkce_challenge(challenge);
        for s in &provider.config.scopes {
            request = request.add_scope(Scope::new(s.clone()));
        }
        let (url, state, nonce) = request.url();
        let now = self.now().timestamp_millis();
        let mut tx = self.store.begin_write().await?;
        tx.insert_identity_login(
            &token_hash(state.secret()),
            &IdentityLogin {
                nonce: nonce.secret().clone(),
                pkce_verifier: verifier.secret().clone(),
                next_path: next.to_string(),
                bind_account: binding.map_or(0, |w| w.account.id),
                created_at: now,
            },
            now - Duration::minutes(LOGIN_MINUTES).num_milliseconds(),
        )
        .await?;
        tx.commit().await?;
        Ok((url.to_string(), state.secret().clone()))
    }

    /// The callback from the provider: the state must be the one this browser kept
    /// (`browser_state`) and still under way (taken now: a replay finds nothing); the code is
    /// exchanged with the PKCE verifier, the ID token checked (signature, issuer, audience,
    /// nonce), the name and ID number read from the user-info claims. Then logs into the account
    /// bound to the identity (or a new one), or binds it to the account that asked.
    #[tracing::instrument(skip_all)]
    pub async fn finish_identity_login(
        &self,
        state: &str,
        browser_state: Option<&str>,
        code: &str,
    ) -> Result<Finished> {
        let provider = self.provider()?;
        if state.is_empty() || browser_state != Some(state) {
            return Err(AppError::invalid(STALE_LOGIN));
        }
        let now = self.now();
        let mut tx = self.store.begin_write().await?;
        let taken = tx.take_identity_login(&token_hash(state)).await?;
        tx.commit().await?;
        let login = taken
            .filter(|l| {
                now.timestamp_millis() - l.created_at
                    <= Duration::minutes(LOGIN_MINUTES).num_milliseconds()
            })
            .ok_or_else(|| AppError::invalid(STALE_LOGIN))?;
        if code.is_empty() {
            return Err(AppError::invalid(STALE_LOGIN));
        }
        let verified = self.verify_at_provider(&provider, &login, code).await?;
        let next = login.next_path.clone();
        if login.bind_account != 0 {
            self.bind_verified(&provider, login.bind_account, &verified)
                .await?;
            return Ok(Finished::Bound { next });
        }
        let session = Box::new(self.log_in_verified(&provider, &verified).await?);
        Ok(Finished::LoggedIn { session, next })
    }

    async fn verify_at_provider(
        &self,
        provider: &Provider,
        login: &IdentityLogin,
        code: &str,
    ) -> Result<Verified> {
        let refused = |what: &str, e: &dyn std::fmt::Display| {
            tracing::info!(error = %e, "identity provider callback refused: {what}");
            AppError::invalid(format!(
                "统一身份认证平台未能完成本次登录（{what}），请返回登录页重新登录"
            ))
        };
        let client = provider.client().await?;
        let http = provider.http();
        let token = client
            .exchange_code(AuthorizationCode::new(code.to_string()))
            .map_err(|e| refused("平台未提供令牌接口", &e))?
            .set_pkce_verifier(PkceCodeVerifier::new(login.pkce_verifier.clone()))
            .request_async(&http)
            .await
            .map_err(|e| refused("授权码无效或已使用", &e))?;
        let id_token = token
            .id_token()
            .ok_or_else(|| refused("平台未返回身份令牌", &"no id_token"))?;
        let verifier = client.id_token_verifier();
        let nonce = Nonce::new(login.nonce.clone());
        let claims = id_token
            .claims(&verifier, &nonce)
            .map_err(|e| refused("身份令牌校验未通过", &e))?;
        if let Some(expected) = claims.access_token_hash() {
            let signing = id_token
                .signing_alg()
                .and_then(|alg| id_token.signing_key(&verifier).map(|key| (alg, key)))
                .map_err(|e| refused("身份令牌校验未通过", &e))?;
            let actual = AccessTokenHash::from_token(token.access_token(), signing.0, signing.1)
                .map_err(|e| refused("身份令牌校验未通过", &e))?;
            if actual != *expected {
                return Err(refused("访问令牌与身份令牌不符", &"at_hash"));
            }
        }
        let subject = claims.subject().clone();
        let info: UserInfoClaims<AnyClaims, CoreGenderClaim> = client
            .user_info(token.access_token().clone(), Some(subject.clone()))
            .map_err(|e| refused("平台未提供用户信息接口", &e))?
            .request_async(&http)
            .await
            .map_err(|e| refused("用户信息读取失败", &e))?;
        let extra = info.additional_claims();
        // The standard `name` claim is read as the standard claims (not among the others).
        let name = extra.text(&provider.config.name_claim).or_else(|| {
            (provider.config.name_claim == "name")
                .then(|| info.name().and_then(|n| n.get(None)).map(|n| n.to_string()))
                .flatten()
        });
        let (id, name) = verified_subject(
            extra.text(&provider.config.id_claim).as_deref(),
            name.as_deref(),
        )
        .map_err(AppError::invalid)?;
        if let SubjectId::Person(p) = &id {
            p.check_born_by(self.today())
                .map_err(|e| AppError::invalid(e.to_string()))?;
        }
        Ok(Verified {
            subject: subject.as_str().to_string(),
            id,
            name,
        })
    }

    /// The events of an identity: one in each jurisdiction of the portal (an applicant's identity
    /// holds in all of them).
    pub(crate) fn identity_events(
        &self,
        by: &Actor,
        action: &str,
        reason: &str,
        data: serde_json::Value,
    ) -> Vec<yiyin_store::events::NewEvent> {
        let jurisdictions: Vec<String> = self
            .org()
            .jurisdictions
            .iter()
            .filter(|j| j.has_catalog())
            .map(|j| j.code.clone())
            .collect();
        events_in(by, self.now(), &jurisdictions, action, reason, data)
    }

    /// Binds a verified identity to a password account that asked for it.
    async fn bind_verified(&self, provider: &Provider, account: i64, v: &Verified) -> Result<()> {
        let a = self.store.account(account).await?;
        if a.is_staff() || !a.active {
            return Err(AppError::Forbidden("此功能仅供申请人本人使用".into()));
        }
        if a.verified.is_some() {
            return Err(AppError::Conflict("您的账号已完成实名核验".into()));
        }
        let by = Principal::new(a.clone()).actor(&self.org());
        let mut tx = self.store.begin_write().await?;
        tx.bind_identity(account, &self.new_identity(provider, v))
            .await
            .map_err(|e| match AppError::from(e) {
                AppError::Conflict(_) => AppError::Conflict(format!(
                    "证件号码「{}」的实名身份已绑定其他账号，请使用统一身份认证直接登录",
                    v.id.masked()
                )),
                other => other,
            })?;
        tx.append_events(&self.identity_events(
            &by,
            "identity_bind",
            &format!("账号{}绑定实名身份（{}）", a.login, v.id.masked()),
            json!({"account": account, "subject_kind": v.id.kind().code(),
                "id_number": v.id.as_str(), "name": v.name, "provider": provider.issuer(),
                "declared_id_number": a.id_number.as_ref().map(|i| i.as_str().to_string())}),
        ))
        .await?;
        tx.commit().await?;
        Ok(())
    }

    fn new_identity<'a>(&self, provider: &'a Provider, v: &'a Verified) -> NewIdentity<'a> {
        NewIdentity {
            id_number: &v.id,
            name: &v.name,
            provider: provider.issuer(),
            provider_subject: &v.subject,
            verified_at: self.now().timestamp_millis(),
        }
    }

    /// Logs into the account bound to the identity (by the provider's subject, else by the
    /// verified ID number), or makes an applicant account bound to it (without a password).
    async fn log_in_verified(&self, provider: &Provider, v: &Verified) -> Result<Session> {
        let bound = match self
            .store
            .account_of_provider_subject(provider.issuer(), &v.subject)
            .await?
        {
            Some(a) => Some(a),
            None => self.store.account_of_verified_id(&v.id).await?,
        };
        let account = match bound {
            Some(id) => {
                let a = self.store.account(id).await?;
                if !a.active {
                    return Err(AppError::Forbidden("账号已停用，请联系系统管理员".into()));
                }
                let by = Principal::new(a.clone()).actor(&self.org());
                let mut tx = self.store.begin_write().await?;
                tx.append_events(&self.identity_events(
                    &by,
                    "identity_login",
                    &format!("{}通过统一身份认证登录", v.id.masked()),
                    json!({"account": id, "provider": provider.issuer()}),
                ))
                .await?;
                tx.commit().await?;
                id
            }
            None => self.register_verified(provider, v).await?,
        };
        self.open_session_of(account).await
    }

    /// Makes the applicant account of a verified identity: its login names the provider's subject
    /// (never an ID number, which an unverified registration may have taken); it has no password.
    async fn register_verified(&self, provider: &Provider, v: &Verified) -> Result<i64> {
        let login = format!(
            "sso-{}",
            &yiyin_seal::sm3_hex(format!("{}\n{}", provider.issuer(), v.subject).as_bytes())[..20]
        );
        let by = Actor {
            name: format!("申请人 {}", v.name),
            account: None,
            channel: Channel::Online,
        };
        let mut tx = self.store.begin_write().await?;
        let account = tx
            .insert_account(&NewAccount {
                kind: AccountKind::Applicant,
                login: &login,
                name: &v.name,
                // Not a PHC string: no password ever matches it.
                password_hash: "!identity-provider",
                subject: Some(&v.id),
                phone: "",
                created_at: self.now().timestamp_millis(),
            })
            .await?;
        tx.bind_identity(account, &self.new_identity(provider, v))
            .await?;
        tx.append_events(&self.identity_events(
            &Actor {
                account: Some(account),
                ..by
            },
            "identity_register",
            &format!("通过统一身份认证开设申请人账号（{}）", v.id.masked()),
            json!({"account": account, "login": login, "subject_kind": v.id.kind().code(),
                "id_number": v.id.as_str(), "name": v.name, "provider": provider.issuer()}),
        ))
        .await?;
        tx.commit().await?;
        Ok(account)
    }

    /// The applicant's licences (我的证照), newest first, a page at a time: those of the cases it
    /// filed and, once its identity is verified, every licence held under the verified ID number;
    /// a bundle's member licence once the bundle is released (统一出件). Those before the licence
    /// `after` (empty: the first page), `limit` a page (1 to [`MY_LICENCES_PAGE_MAX`]).
    pub async fn my_licences(
        &self,
        who: &Principal,
        after: &str,
        limit: Option<i64>,
    ) -> Result<ListPage<Licence>> {
        who.require_applicant()?;
        let limit = page_limit(limit, MY_LICENCES_PAGE_MAX)?;
        let page = self
            .store
            .licence_page_of_applicant(
                who.account.id,
                who.account.verified_id(),
                id_cursor(after)?,
                limit,
            )
            .await?;
        Ok(ListPage {
            items: page.rows,
            count: page.count,
            next: page.next.map(|id| id.to_string()),
        })
    }
}
