//! `yiyin calendar add|between|is-workday` exactly as `contracts.md` §1 defines it: the value alone on
//! one line; exit status 2 with a message naming the problem (or the missing year) on bad input.

use clap::{Args, Subcommand};
use yiyin_domain::calendar::{Calendar, CalendarError, fmt_date, parse_date};

use super::{CliResult, Failure, GlobalArgs, HELP};

#[derive(Debug, Args)]
pub struct CalendarArgs {
    #[command(subcommand)]
    command: CalendarCommand,
}

#[derive(Debug, Subcommand)]
enum CalendarCommand {
    /// 输出 DATE 之后的第 N 个工作日（DATE 当天不计）
    #[command(help_template = HELP, disable_help_flag = true, next_help_heading = "参数")]
    Add {
        /// 起算日期，YYYY-MM-DD
        date: String,
        /// 工作日数，正整数
        #[arg(allow_hyphen_values = true)]
        n: String,
    },
    /// 输出 DATE1（不含）至 DATE2（含）之间的工作日数
    #[command(help_template = HELP, disable_help_flag = true, next_help_heading = "参数")]
    Between {
        /// 开始日期（不计入），YYYY-MM-DD
        date1: String,
        /// 结束日期（计入），YYYY-MM-DD
        date2: String,
    },
    /// 输出 DATE 是否为工作日：true 或 false
    #[command(name = "is-workday", help_template = HELP, disable_help_flag = true, next_help_heading = "参数")]
    IsWorkday {
        /// 日期，YYYY-MM-DD
        date: String,
    },
}

fn date_arg(text: &str) -> Result<chrono::NaiveDate, Failure> {
    parse_date(text).map_err(|e| Failure::input(e.to_string()))
}

fn cal_err(e: CalendarError) -> Failure {
    Failure::input(e.to_string())
}

pub fn run(global: &GlobalArgs, args: CalendarArgs) -> CliResult {
    let cal: Calendar = super::load_calendar(global)?;
    let out = match args.command {
        CalendarCommand::Add { date, n } => {
            let d = date_arg(&date)?;
            let n: u32 = n.trim().parse().ok().filter(|n| *n > 0).ok_or_else(|| {
                Failure::input(format!("N「{n}」不是正整数，应为 1、2、3 这样的工作日数"))
            })?;
            fmt_date(cal.add(d, n).map_err(cal_err)?)
        }
        CalendarCommand::Between { date1, date2 } => {
            let (a, b) = (date_arg(&date1)?, date_arg(&date2)?);
            cal.between(a, b).map_err(cal_err)?.to_string()
        }
        CalendarCommand::IsWorkday { date } => cal
            .is_workday(date_arg(&date)?)
            .map_err(cal_err)?
            .to_string(),
    };
    println!("{out}");
    Ok(())
}
