//! SMS one-time codes (短信验证码): sending a code for registration or password recovery through
//! the SMS gateway adapter ([`App::send_sms`]), checking it (the rules of
//! `yiyin_domain::sms_code`: six digits, ten minutes, five wrong tries, one per phone and purpose,
//! one send per phone a minute), registration with a code (then logged in), and password recovery
//! (same answer whether the account exists or not; the reset ends every session of the account and
//! is an audited event). The code is kept only as its SM3 hash.

use serde_json::json;
use yiyin_domain::party::{Actor, Channel};
use yiyin_domain::password::Holder;
use yiyin_domain::sms_code::{self, CodeState, Purpose};
use yiyin_store::accounts::{Account, AccountKind};
use yiyin_store::sms_codes::SmsCode;

use crate::App;
use crate::accounts::{Registration, Session, check_password, hash_password};
use crate::error::{AppError, Result};

/// What every request of a recovery code is told, whether the account exists or not.
pub const RECOVERY_SENT: &str = "如该账号存在且登记了手机号码，验证码已发送到该手机，10分钟内有效；请在下方填写手机号码、验证码和新密码";

/// Whether a phone number has the form of a mainland mobile number (11 digits from 1).
pub fn valid_phone(phone: &str) -> bool {
    phone.len() == 11 && phone.starts_with('1') && phone.bytes().all(|b| b.is_ascii_digit())
}

/// A random code of six digits (rejection sampling: no digit more likely than another).
fn random_digits() -> String {
    loop {
        let mut b = [0u8; 4];
        getrandom::fill(&mut b).expect("the operating system's random source works");
        let n = u32::from_le_bytes(b);
        if n < 4_294_000_000 {
            return format!("{:06}", n % 1_000_000);
        }
    }
}

/// The hash a code is kept as, bound to its phone and purpose.
fn code_hash(phone: &str, purpose: Purpose, code: &str) -> String {
    yiyin_seal::sm3_hex(format!("{phone}\n{}\n{code}", purpose.code()).as_bytes())
}

fn state(row: &SmsCode) -> CodeState {
    CodeState {
        created_at: row.created_at,
        expires_at: row.expires_at,
        tries: row.tries,
        used: row.used_at.is_some(),
    }
}

impl App {
    /// Whether this server texts (an SMS gateway is configured): registration then asks a code.
    pub fn sms_configured(&self) -> bool {
        self.notifier.has_sms()
    }

    /// Makes, keeps and texts a code (replacing the phone's code of that purpose); refused in
    /// Chinese within a minute of the phone's last code.
    async fn issue_code(&self, phone: &str, purpose: Purpose, account: i64) -> Result<()> {
        let now = self.now().timestamp_millis();
        sms_code::may_send(self.store.last_sms_code_at(phone).await?, now)
            .map_err(|e| AppError::TooMany(e.to_string()))?;
        let code = random_digits();
        let s = sms_code::issued(now);
        let mut tx = self.store.begin_write().await?;
        tx.put_sms_code(&SmsCode {
            phone: phone.to_string(),
            purpose: purpose.code().to_string(),
            code_hash: code_hash(phone, purpose, &code),
            account_id: account,
            created_at: s.created_at,
            expires_at: s.expires_at,
            tries: 0,
            used_at: None,
        })
        .await?;
        tx.commit().await?;
        let key = format!("sms-code-{}-{phone}-{now}", purpose.code());
        self.send_sms(phone, &sms_code::message(&code), &key)
            .await
            .map_err(|e| {
                tracing::warn!(error = %e, "SMS code not sent");
                AppError::Unavailable("短信验证码发送失败，请稍后重试".into())
            })
    }

    /// Texts a registration code to a phone.
    #[tracing::instrument(skip_all)]
    pub async fn request_registration_code(&self, phone: &str) -> Result<()> {
        if !self.sms_configured() {
            // Nothing to ask for: this server registers without a code.
            return Err(AppError::NotFound(
                "本平台未开通短信验证码，注册无需填写验证码".into(),
            ));
        }
        let phone = phone.trim();
        if !valid_phone(phone) {
            return Err(AppError::field("phone", "手机号码应为11位数字，以1开头"));
        }
        self.issue_code(phone, Purpose::Register, 0).await
    }

    /// Texts a recovery code to the phone of the applicant account named by its login (ID number
    /// or credit code) or by its phone (when exactly one account holds it). The answer is the same
    /// whether such an account exists or not (and whether a code was sent within the minute); only
    /// malformed input is refused.
    #[tracing::instrument(skip_all)]
    pub async fn request_recovery_code(&self, login_or_phone: &str) -> Result<&'static str> {
        let given = login_or_phone.trim();
        yiyin_domain::text::check("login", given, yiyin_domain::text::TextKind::Name)
            .map_err(|e| AppError::field("login", e.to_string()))?;
        if given.is_empty() {
            return Err(AppError::field(
                "login",
                "请填写证件号码（统一社会信用代码）或手机号码",
            ));
        }
        if !self.sms_configured() {
            return Err(AppError::Unavailable(
                "本平台未开通短信找回密码，请到政务服务大厅窗口办理".into(),
            ));
        }
        let account = if valid_phone(given) {
            match self.store.applicants_with_phone(given).await?.as_slice() {
                [one] => Some(self.store.account(*one).await?),
                _ => None,
            }
        } else {
            self.store
                .account_by_login(given)
                .await?
                .filter(|a| a.kind == AccountKind::Applicant && a.active)
        };
        if let Some(a) = account.filter(|a| valid_phone(&a.phone)) {
            // Texted in the background: the answer takes as long with an account as without.
            let app = self.clone();
            tokio::spawn(async move {
                if let Err(e) = app.issue_code(&a.phone, Purpose::Recover, a.id).await {
                    tracing::info!(error = %e, "recovery code not sent");
                }
            });
        }
        Ok(RECOVERY_SENT)
    }

    /// Checks a typed code for a phone and purpose: the code's row when right; a wrong try is
    /// counted (the fifth voids the code) and refused in Chinese.
    async fn check_code(&self, phone: &str, purpose: Purpose, code: &str) -> Result<SmsCode> {
        let code = code.trim();
        if !sms_code::well_formed(code) {
            return Err(AppError::field(
                "code",
                sms_code::CodeRefusal::Malformed.to_string(),
            ));
        }
        let row = self.store.sms_code(phone, purpose.code()).await?;
        let now = self.now().timestamp_millis();
        let matches = row
            .as_ref()
            .is_some_and(|r| r.code_hash == code_hash(phone, purpose, code));
        match sms_code::judge(row.as_ref().map(state).as_ref(), matches, now) {
            Ok(()) => Ok(row.expect("judged present")),
            Err(refusal) => {
                if let (Some(r), sms_code::CodeRefusal::Wrong(_) | sms_code::CodeRefusal::Void) =
                    (&row, &refusal)
                    && !matches
                {
                    let mut tx = self.store.begin_write().await?;
                    tx.add_sms_code_try(phone, purpose.code(), r.tries).await?;
                    tx.commit().await?;
                }
                Err(AppError::field("code", refusal.to_string()))
            }
        }
    }

    /// Registers an applicant (a person or an organisation; the ID number is the login) — with a
    /// valid registration code for the phone when this server texts. The one registration of the
    /// API and the pages.
    #[tracing::instrument(skip_all)]
    pub async fn register(&self, r: &Registration) -> Result<Account> {
        let phone = r.phone.trim();
        let checked = if self.sms_configured() {
            Some(self.check_code(phone, Purpose::Register, &r.code).await?)
        } else {
            None
        };
        let account = self.create_applicant(r).await?;
        if let Some(c) = checked {
            let mut tx = self.store.begin_write().await?;
            tx.use_sms_code(
                phone,
                &c.purpose,
                &c.code_hash,
                self.now().timestamp_millis(),
            )
            .await?;
            tx.commit().await?;
        }
        Ok(account)
    }

    /// Registers an applicant ([`App::register`]) and logs them in.
    pub async fn register_and_log_in(&self, r: &Registration) -> Result<Session> {
        let account = self.register(r).await?;
        self.open_session_of(account.id).await
    }

    /// Sets a new password (checked by the password policy) for the account a recovery code was
    /// sent for, once per code; ends every session of the account; an audited event.
    #[tracing::instrument(skip_all)]
    pub async fn reset_password_with_code(
        &self,
        phone: &str,
        code: &str,
        password: &str,
    ) -> Result<()> {
        let phone = phone.trim();
        if !valid_phone(phone) {
            return Err(AppError::field("phone", "手机号码应为11位数字，以1开头"));
        }
        let row = self.check_code(phone, Purpose::Recover, code).await?;
        let a = self.store.account(row.account_id).await?;
        check_password(password, &Holder::applicant(&a.login))
            .map_err(|m| AppError::field("password", m))?;
        let hash = hash_password(password).await?;
        let now = self.now();
        let mut tx = self.store.begin_write().await?;
        if !tx
            .use_sms_code(phone, &row.purpose, &row.code_hash, now.timestamp_millis())
            .await?
        {
            return Err(AppError::field(
                "code",
                sms_code::CodeRefusal::Missing.to_string(),
            ));
        }
        tx.set_password_hash(a.id, &hash).await?;
        tx.close_sessions_of(a.id).await?;
        let by = Actor {
            name: format!("申请人 {}", a.name),
            account: Some(a.id),
            channel: Channel::Online,
        };
        tx.append_events(&self.identity_events(
            &by,
            "password_recover",
            &format!("{}凭短信验证码重设密码", a.name),
            json!({"account": a.id}),
        ))
        .await?;
        tx.commit().await?;
        Ok(())
    }
}
