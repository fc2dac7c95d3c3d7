//! `yiyin user add|list|password|disable`: staff accounts with their roles, from the server's command
//! line (the first system administrator of a jurisdiction is made this way).

use clap::{Args, Subcommand};
use yiyin_app::accounts::{NewStaff, create_staff, set_active, set_password};
use yiyin_domain::authz::Grant;
use yiyin_domain::roles::Role;

use super::server::DbArgs;
use super::{CliResult, Failure, GlobalArgs, HELP};

#[derive(Debug, Args)]
pub struct UserArgs {
    #[command(subcommand)]
    command: UserCommand,
    #[command(flatten)]
    db: DbArgs,
}

#[derive(Debug, Subcommand)]
enum UserCommand {
    /// 新增工作人员账号
    #[command(help_template = HELP, disable_help_flag = true, next_help_heading = "参数")]
    Add {
        /// 登录名（小写字母、数字、点、横线、下划线）
        login: String,
        /// 姓名
        #[arg(long)]
        name: String,
        /// 岗位，可重复：县区:岗位[:部门[:窗口或镇]]，例如 hanyin:window_clerk:-:w01、hanyin:department_supervisor:shichang
        #[arg(long = "role", required = true, value_name = "县区:岗位[:部门[:单位]]")]
        roles: Vec<String>,
        /// 初始密码（至少10位，含大写字母、小写字母、数字、符号中的至少三类）；也可用环境变量 YIYIN_PASSWORD
        #[arg(long, env = "YIYIN_PASSWORD", hide_env_values = true)]
        password: String,
    },
    /// 列出某县区的工作人员
    #[command(help_template = HELP, disable_help_flag = true, next_help_heading = "参数")]
    List {
        /// 县区代码
        jurisdiction: String,
    },
    /// 重设密码（并解除锁定，结束该账号的所有会话）
    #[command(help_template = HELP, disable_help_flag = true, next_help_heading = "参数")]
    Password {
        login: String,
        #[arg(long, env = "YIYIN_PASSWORD", hide_env_values = true)]
        password: String,
    },
    /// 停用或启用账号
    #[command(help_template = HELP, disable_help_flag = true, next_help_heading = "参数")]
    Disable {
        login: String,
        /// 重新启用
        #[arg(long)]
        enable: bool,
    },
}

/// Parses `jurisdiction:role[:department[:unit]]` (`-` for none).
pub fn parse_grant(text: &str) -> Result<Grant, String> {
    let parts: Vec<&str> = text.split(':').collect();
    if !(2..=4).contains(&parts.len()) {
        return Err(format!("岗位「{text}」格式应为 县区:岗位[:部门[:单位]]"));
    }
    let role = Role::parse(parts[1]).ok_or_else(|| {
        format!(
            "岗位「{}」无效（可选：{}）",
            parts[1],
            Role::ALL
                .iter()
                .map(|r| format!("{} {}", r.code(), r.label()))
                .collect::<Vec<_>>()
                .join("、")
        )
    })?;
    let opt = |i: usize| {
        parts
            .get(i)
            .filter(|s| !s.is_empty() && **s != "-")
            .map(|s| s.to_string())
    };
    Ok(Grant {
        role,
        jurisdiction: parts[0].to_string(),
        department: opt(2),
        unit: opt(3),
    })
}

pub async fn run(_global: &GlobalArgs, args: UserArgs) -> CliResult {
    let store = args.db.open().await?;
    // The server's operator: every act is a chained event by the command line.
    let by = yiyin_domain::party::Actor::cli("命令行");
    match args.command {
        UserCommand::Add {
            login,
            name,
            roles,
            password,
        } => {
            let grants = roles
                .iter()
                .map(|r| parse_grant(r))
                .collect::<Result<Vec<_>, _>>()
                .map_err(Failure::input)?;
            let a = create_staff(
                &store,
                &NewStaff {
                    login,
                    name,
                    password,
                    grants,
                },
                &by,
                None,
                chrono::Utc::now(),
            )
            .await?;
            println!(
                "已创建账号 {}（{}）：{}",
                a.login,
                a.name,
                describe(&a.grants)
            );
        }
        UserCommand::List { jurisdiction } => {
            for a in store.staff_in(&jurisdiction).await? {
                println!(
                    "{}\t{}\t{}\t{}",
                    a.login,
                    a.name,
                    if a.active { "在用" } else { "停用" },
                    describe(&a.grants)
                );
            }
        }
        UserCommand::Password { login, password } => {
            let a = store
                .account_by_login(&login)
                .await?
                .ok_or_else(|| Failure::input(format!("没有登录名为「{login}」的账号")))?;
            set_password(&store, a.id, &password, &by, chrono::Utc::now()).await?;
            println!("已重设 {login} 的密码。");
        }
        UserCommand::Disable { login, enable } => {
            let a = store
                .account_by_login(&login)
                .await?
                .ok_or_else(|| Failure::input(format!("没有登录名为「{login}」的账号")))?;
            set_active(&store, a.id, enable, &by, chrono::Utc::now()).await?;
            println!("已{} {login}。", if enable { "启用" } else { "停用" });
        }
    }
    store.close().await;
    Ok(())
}

fn describe(grants: &[Grant]) -> String {
    grants
        .iter()
        .map(|g| {
            let mut s = format!("{} {}", g.jurisdiction, g.role.label());
            if let Some(d) = &g.department {
                s.push_str(&format!("（{d}）"));
            }
            if let Some(u) = &g.unit {
                s.push_str(&format!("@{u}"));
            }
            s
        })
        .collect::<Vec<_>>()
        .join("；")
}
