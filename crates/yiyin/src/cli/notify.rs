//! The notification channels of `yiyin serve` and `yiyin demo`: the SMS gateway's address and the
//! mail server (`yiyin_app::notifications`). A channel not configured is not used: its notices
//! are not queued (the in-site message always is).

use clap::Args;
use secrecy::{ExposeSecret, SecretString};
use yiyin_app::notifications::{Notifier, NotifyConfig, SmtpConfig};

use super::Failure;

#[derive(Debug, Args, Clone)]
#[command(next_help_heading = "通知选项")]
pub struct NotifyArgs {
    /// 短信网关地址（HTTP POST JSON {to, text, key}，同一 key 只发送一次；见 docs/notifications.md）；不填则不发短信
    #[arg(long, value_name = "URL", env = "YIYIN_SMS_GATEWAY")]
    pub sms_gateway: Option<String>,
    /// 发信邮件服务器（SMTP）主机名；不填则不发电子邮件
    #[arg(long, value_name = "HOST", env = "YIYIN_SMTP_HOST")]
    pub smtp_host: Option<String>,
    /// 邮件服务器端口
    #[arg(
        long,
        value_name = "PORT",
        env = "YIYIN_SMTP_PORT",
        default_value_t = 587
    )]
    pub smtp_port: u16,
    /// 邮件加密方式：starttls（默认）、tls，或 none（仅限本机或内网可信中继）
    #[arg(
        long,
        value_name = "MODE",
        env = "YIYIN_SMTP_SECURITY",
        default_value = "starttls"
    )]
    pub smtp_security: String,
    /// 邮件服务器登录用户名
    #[arg(long, value_name = "USER", env = "YIYIN_SMTP_USER")]
    pub smtp_user: Option<String>,
    /// 邮件服务器登录密码
    #[arg(
        long,
        value_name = "PASSWORD",
        env = "YIYIN_SMTP_PASSWORD",
        hide_env_values = true
    )]
    pub smtp_password: Option<SecretString>,
    /// 发件人，如「一印 <noreply@example.gov.cn>」
    #[arg(
        long,
        value_name = "ADDRESS",
        env = "YIYIN_SMTP_FROM",
        default_value = "一印 <noreply@localhost>"
    )]
    pub smtp_from: String,
}

impl NotifyArgs {
    /// The configured senders, checked.
    pub fn notifier(&self) -> Result<Notifier, Failure> {
        let config = NotifyConfig {
            sms_url: self.sms_gateway.clone().filter(|u| !u.trim().is_empty()),
            smtp: self
                .smtp_host
                .clone()
                .filter(|h| !h.trim().is_empty())
                .map(|host| SmtpConfig {
                    host,
                    port: self.smtp_port,
                    security: self.smtp_security.trim().to_string(),
                    username: self.smtp_user.clone(),
                    password: self
                        .smtp_password
                        .as_ref()
                        .map(|p| p.expose_secret().to_string()),
                    from: self.smtp_from.clone(),
                }),
        };
        Notifier::new(&config).map_err(Failure::input)
    }
}
