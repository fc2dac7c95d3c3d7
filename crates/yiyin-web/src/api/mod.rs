//! The JSON API v1. Every handler is annotated for the OpenAPI document, which is generated from this
//! code and served at `/api/v1/openapi.json`.

pub mod agency;
pub mod applicants;
pub mod bundles;
pub mod cases;
pub mod catalog;
pub mod delegations;
pub mod deliveries;
pub mod drawing_reviews;
pub mod health;
pub mod messages;
pub mod monitoring;
pub mod open_data;
pub mod paging;
pub mod partners;
pub mod pools;
pub mod projects;
pub mod ratings;
pub mod redress;
pub mod reports;
pub mod seals;
pub mod session;
pub mod shared;
pub mod simulation;
pub mod statistics;
pub mod supervision;
pub mod ticket_kpis;
pub mod tickets;
pub mod transition;
pub mod visits;

use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use yiyin_app::App;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "一印 Yiyin API",
        version = "1",
        description = "行政审批服务局审批平台的 JSON 接口。错误统一返回 {\"error\": {\"code\", \"message\"}}，message 为中文。"
    ),
    components(schemas(cases::CaseBrief)),
    tags(
        (name = "系统", description = "健康检查"),
        (name = "目录", description = "组织机构与行政许可事项目录（公开）；国家清单对照（仅本县区目录管理员）"),
        (name = "账号", description = "登录、退出、申请人注册。浏览器使用 Cookie，写操作须带 X-CSRF-Token；接口客户端使用 Authorization: Bearer"),
        (name = "办件", description = "收件、受理、审查、决定、制证；按岗位和辖区授权"),
        (name = "核验", description = "电子印章、加盖电子印章的文书和电子证照的公开核验"),
        (name = "审计", description = "哈希链事件日志校验、每日签名的链头、办结办件的电子档案包"),
        (name = "电子监察", description = "黄牌、红牌监察牌（纪检监察人员、局长、审批观察员查看），监察牌申诉及其复核"),
        (name = "政务服务统计", description = "按事项、部门、窗口、工作人员统计收件、受理、办结、效率分类、在办超期、按时办结率、承诺压缩比、好差评和监察牌；JSON、Excel（.xlsx）和 CSV 下载；公开统计（不含工作人员）"),
        (name = "好差评", description = "政务服务好差评（国办发〔2019〕51号）：申请人网上一事一评、窗口一次一评和短信评价（一次性链接，无需登录）；差评整改、回访、申诉复核（好差评管理员）；好评率、差评整改率（公开）。评价人身份仅好差评管理员可见"),
        (name = "政务公开", description = "开放数据（无需登录，限制访问频率）：本县区公示的行政许可（证号、事项、相对人——法人及其他组织显示名称和统一社会信用代码，自然人仅显示姓氏——、许可机关、日期、状态），JSON 分页或 CSV 下载；汇总统计见「政务服务统计」"),
        (name = "诉求中心", description = "民生和企业诉求服务中心（12345 工单）：登记、派单、签收、退单与仲裁、延期、答复、回访、督办、并单；诉求分类与办理时限矩阵。来电人信息仅诉求服务中心和承办部门可见"),
        (name = "委托", description = "委托镇人民政府实施行政许可（《行政许可法》第二十四条）：委托记录和委托书（公开）、设立和撤销委托（局长；撤销时在办办件交回审批局）、社区（村）代办点代收和镇便民服务中心接收（办理期限自镇收到之日起算）"),
        (name = "复议应诉", description = "行政复议答复和行政诉讼应诉（局长）：登记、答复期限（按登记所存的计算规则）及临期和逾期提醒、提交答复、记录结果（撤销即撤销证照）、提取办件电子档案包"),
        (name = "一件事", description = "一件事一次办、并联审批（《行政许可法》第二十六条、第四十二条第二款）：目录中的一件事（公开）和公布（目录管理员）；窗口一次收件、一次性补正告知；各成员事项由其部门并联办理（部门只看到本部门的成员事项和共用材料）；联合办理期限四十五个工作日，经县人民政府负责人批准可延长十五个工作日一次；全部成员事项办结后统一出件；申请人凭编号和证件号码查询"),
        (name = "工程建设项目", description = "工程建设项目审批（国办发〔2019〕11号）：立项用地规划许可、工程建设许可、施工许可、竣工验收四个阶段依次推进，每个阶段为一件事（一张表单、一次收件）；里程碑事项全部（或任一）办结即阶段办结，并行推进事项不影响；前一阶段办结后方可收件下一阶段；已提交的材料在本项目内不再重复提交；项目页面显示各阶段、事项、计时和累计用时（不含补正、特别程序、专家评审和中介服务时间，《行政许可法》第四十五条）与审批时间目标（默认一百二十个工作日）"),
        (name = "模拟运行", description = "模拟运行（局长设置）：整个县区或部分事项（如一个划转批次）试运行，文书以模拟专用章签署并加“模拟”水印，不推送、不通知申请人、不登记证照、不计入统计；关闭后不补发任何内容"),
        (name = "事项划转", description = "事项分批划转（局长）：划转方案和批次、就绪检查、切换、迁移划转前受理的办件；过渡期审批观察员查阅办件和评注"),
        (name = "施工图审查", description = "集中图审（技术审查与行政审批相分离）：系统管理员登记施工图审查机构（审查机构的技术审查人员账号限于本机构）；行政审批服务局以轮候或随机抽取（公布随机种子，可复核）方式分派项目的施工图审查并设定审查时限（默认十个工作日）；审查机构出具审查意见（合格，或逐条编号列明问题、修改后复审）；建设单位提交修改后的图纸；审查合格出具施工图审查合格书，消防设计审查、人防工程等事项以合格书代替技术审查；审查机构用时为中介服务时间，不计入审批时限"),
        (name = "联合踏勘验收", description = "联合踏勘和联合验收（综合踏勘、联合验收，现场联合勘验）：牵头部门窗口一次安排，各相关部门各派至少两名本部门工作人员（指派或从踏勘人员库抽取），书面通知申请人日期；各部门于踏勘当日或下一个工作日内出具意见（合格，或不合格并逐条列明问题）；全部合格即通过，否则整改后复查；联合验收出具一份载明各部门意见的联合验收意见书"),
        (name = "全程代办", description = "全程代办（帮办）：代办服务中心的代办服务清单（公开，局长发布，全程无偿）；申请人签署授权委托（指定代办员、项目或办件、代办权限和期限，可随时撤销）并评价代办服务（好差评）；代办员在有效委托范围内代为补正、接收通知、领取结果，每项操作记为“代办员 X 代 申请人 Y”"),
        (name = "专家库", description = "专家库和踏勘人员库（局长维护库、成员及其申报的利害关系）；办件的专家抽取：评审前公布随机种子、抽取（可用 yiyin draw --expert 复核）、回避和申请人申请回避（成立的依同一种子顺延抽取）、开始专家评审（中止计时并书面告知，《行政许可法》第四十五条）"),
        (name = "监管", description = "审管分离：审批结果推送与签收、监管结果抄告、告知承诺核查、证照变更延续撤销注销撤回、信用记录、双随机抽查（抽查计划公开）"),
    )
)]
pub struct ApiDoc;

/// The error answers any operation may give, added to every operation of the document once
/// (rather than repeated on each annotation): bad input, not signed in, not allowed, not found, a
/// stale version, a body too large or not JSON, a refusal by the law, too many attempts, a
/// service briefly unavailable — each `{"error": {"code", "message"}}` in Chinese.
pub struct CommonErrors;

impl utoipa::Modify for CommonErrors {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::{ContentBuilder, Ref, ResponseBuilder};
        const COMMON: [(&str, &str); 11] = [
            ("400", "请求无法识别（路径或查询参数格式错误）"),
            ("401", "未登录或会话已失效"),
            ("403", "无权进行此操作"),
            ("404", "所请求的对象不存在"),
            ("405", "不支持此请求方法"),
            ("409", "数据已被他人更新"),
            ("413", "请求体过大"),
            ("415", "请求体类型不受支持"),
            (
                "422",
                "输入有误或被法定规则拒绝（message 说明原因，details 指明字段或规则）",
            ),
            ("429", "尝试过于频繁，请稍后再试"),
            ("503", "服务暂时不可用，请稍后重试"),
        ];
        for item in doc.paths.paths.values_mut() {
            for op in [
                &mut item.get,
                &mut item.put,
                &mut item.post,
                &mut item.delete,
                &mut item.patch,
            ]
            .into_iter()
            .flatten()
            {
                for (status, description) in COMMON {
                    op.responses
                        .responses
                        .entry(status.to_string())
                        .or_insert_with(|| {
                            ResponseBuilder::new()
                                .description(description)
                                .content(
                                    "application/json",
                                    ContentBuilder::new()
                                        .schema(Some(Ref::from_schema_name("ErrorBody")))
                                        .build(),
                                )
                                .build()
                                .into()
                        });
                }
            }
        }
    }
}

/// Every API route, collected with its OpenAPI description.
pub fn router() -> OpenApiRouter<App> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(health::healthz))
        .routes(routes!(catalog::jurisdictions))
        .routes(routes!(catalog::jurisdiction))
        .routes(routes!(catalog::catalog))
        .routes(routes!(catalog::item))
        .routes(routes!(catalog::item_history))
        .routes(routes!(catalog::changelog))
        .routes(routes!(catalog::national_report))
        .routes(routes!(session::login, session::logout))
        .routes(routes!(session::me))
        .routes(routes!(session::logout_everywhere))
        .routes(routes!(session::change_password))
        .routes(routes!(session::start_totp, session::confirm_totp))
        .routes(routes!(session::register))
        .routes(routes!(session::registration_code))
        .routes(routes!(messages::list))
        .routes(routes!(messages::read))
        .routes(routes!(messages::settings, messages::set_settings))
        .routes(routes!(messages::failed))
        .routes(routes!(messages::resend))
        .routes(routes!(cases::create, cases::list))
        .routes(routes!(applicants::look_up))
        .routes(routes!(cases::get))
        .routes(routes!(cases::reveal))
        .routes(routes!(shared::fetch))
        .routes(routes!(shared::fall_back))
        .routes(routes!(cases::act))
        .routes(routes!(cases::document))
        .routes(routes!(deliveries::list, deliveries::record))
        .routes(routes!(deliveries::receipt))
        .routes(routes!(deliveries::consent))
        .routes(routes!(cases::track))
        .routes(routes!(cases::chain))
        .routes(routes!(seals::heads))
        .routes(routes!(seals::seals))
        .routes(routes!(seals::crl))
        .routes(routes!(seals::root_certificate))
        .routes(routes!(seals::register_external_signer))
        .routes(routes!(seals::set_crl))
        .routes(routes!(seals::archive))
        .routes(routes!(seals::lookup))
        .routes(routes!(supervision::inbox))
        .routes(routes!(supervision::acknowledge))
        .routes(routes!(supervision::acknowledge_many))
        .routes(routes!(supervision::acknowledge_keys))
        .routes(routes!(supervision::pushes))
        .routes(routes!(supervision::replay))
        .routes(routes!(supervision::overview))
        .routes(routes!(supervision::set_webhook))
        .routes(routes!(supervision::finding, supervision::findings))
        .routes(routes!(supervision::verification))
        .routes(routes!(supervision::verifications))
        .routes(routes!(supervision::open_acts))
        .routes(routes!(supervision::licence))
        .routes(routes!(supervision::my_licences))
        .routes(routes!(supervision::act))
        .routes(routes!(supervision::risk))
        .routes(routes!(supervision::decide))
        .routes(routes!(supervision::subject))
        .routes(routes!(supervision::repair))
        .routes(routes!(supervision::plans, supervision::publish))
        .routes(routes!(supervision::plan))
        .routes(routes!(supervision::draw))
        .routes(routes!(supervision::cancel_plan))
        .routes(routes!(supervision::result))
        .routes(routes!(supervision::tie))
        .routes(routes!(monitoring::cards))
        .routes(routes!(monitoring::appeal))
        .routes(routes!(monitoring::decide))
        .routes(routes!(tickets::create, tickets::list))
        .routes(routes!(tickets::create_public))
        .routes(routes!(tickets::track))
        .routes(routes!(tickets::categories, tickets::save_category))
        .routes(routes!(tickets::matrix, tickets::save_matrix))
        .routes(routes!(tickets::queue))
        .routes(routes!(tickets::desk))
        .routes(routes!(tickets::mine))
        .routes(routes!(ticket_kpis::table))
        .routes(routes!(ticket_kpis::xlsx))
        .routes(routes!(partners::issue, partners::list))
        .routes(routes!(partners::revoke))
        .routes(routes!(tickets::get))
        .routes(routes!(tickets::act))
        .routes(routes!(tickets::attachment))
        .routes(routes!(ratings::list))
        .routes(routes!(ratings::detail))
        .routes(routes!(ratings::act))
        .routes(routes!(ratings::rate_case))
        .routes(routes!(ratings::rate_ticket))
        .routes(routes!(ratings::open_link))
        .routes(routes!(ratings::visit, ratings::rate_visit))
        .routes(routes!(ratings::settings, ratings::set_settings))
        .routes(routes!(ratings::rates))
        .routes(routes!(ratings::rectifications))
        .routes(routes!(statistics::table))
        .routes(routes!(statistics::xlsx))
        .routes(routes!(statistics::csv))
        .routes(routes!(statistics::public))
        .routes(routes!(reports::monthly))
        .routes(routes!(open_data::approvals))
        .routes(routes!(open_data::approvals_csv))
        .routes(routes!(redress::list, redress::register))
        .routes(routes!(delegations::list, delegations::create))
        .routes(routes!(delegations::revoke))
        .routes(routes!(delegations::notice))
        .routes(routes!(delegations::take))
        .routes(routes!(delegations::forwardings))
        .routes(routes!(delegations::receive))
        .routes(routes!(redress::get))
        .routes(routes!(redress::reply))
        .routes(routes!(redress::outcome))
        .routes(routes!(redress::file))
        .routes(routes!(bundles::catalog, bundles::publish))
        .routes(routes!(bundles::receive, bundles::list))
        .routes(routes!(bundles::track))
        .routes(routes!(bundles::get))
        .routes(routes!(bundles::act))
        .routes(routes!(projects::scheme, projects::put_scheme))
        .routes(routes!(projects::register, projects::list))
        .routes(routes!(projects::mine))
        .routes(routes!(projects::get))
        .routes(routes!(projects::receive_stage))
        .routes(routes!(projects::apply_stage))
        .routes(routes!(bundles::supplement))
        .routes(routes!(agency::project))
        .routes(routes!(agency::apply_stage))
        .routes(routes!(agency::supplement_bundle))
        .routes(routes!(agency::list, agency::put_list))
        .routes(routes!(agency::agents))
        .routes(routes!(agency::mandates, agency::sign))
        .routes(routes!(agency::revoke))
        .routes(routes!(agency::rate))
        .routes(routes!(agency::work))
        .routes(routes!(agency::notices))
        .routes(routes!(agency::supplement))
        .routes(routes!(agency::pickup))
        .routes(routes!(pools::list, pools::create))
        .routes(routes!(pools::add_member))
        .routes(routes!(pools::declare_tie))
        .routes(routes!(pools::get))
        .routes(routes!(pools::seed))
        .routes(routes!(pools::draw))
        .routes(routes!(pools::recuse))
        .routes(routes!(pools::object))
        .routes(routes!(pools::decide))
        .routes(routes!(pools::start))
        .routes(routes!(
            drawing_reviews::institutions,
            drawing_reviews::register
        ))
        .routes(routes!(drawing_reviews::assign, drawing_reviews::list))
        .routes(routes!(drawing_reviews::get))
        .routes(routes!(drawing_reviews::opinion))
        .routes(routes!(drawing_reviews::certificate))
        .routes(routes!(drawing_reviews::certificate_pdf))
        .routes(routes!(drawing_reviews::certificate_ofd))
        .routes(routes!(drawing_reviews::for_case))
        .merge(
            // Revised drawings may be larger than the default body limit.
            OpenApiRouter::new()
                .routes(routes!(drawing_reviews::resubmit))
                .layer(axum::extract::DefaultBodyLimit::max(
                    yiyin_blobs::MAX_FILE_BYTES + 1024,
                )),
        )
        .routes(routes!(visits::schedule, visits::list))
        .routes(routes!(visits::get))
        .routes(routes!(visits::opinion))
        .routes(routes!(visits::reinspect))
        .routes(routes!(visits::draw))
        .routes(routes!(visits::record))
        .routes(routes!(visits::mine))
        .routes(routes!(visits::my_visit))
        .routes(routes!(visits::my_record))
        .routes(routes!(simulation::get, simulation::set))
        .routes(routes!(transition::get, transition::set_plan))
        .routes(routes!(transition::add_batch))
        .routes(routes!(transition::readiness))
        .routes(routes!(transition::switch))
        .routes(routes!(transition::migrate))
        .routes(routes!(transition::name_observer))
        .routes(routes!(transition::observed))
        .routes(routes!(transition::observed_case))
        .routes(routes!(transition::comment))
        .routes(routes!(transition::case_comments))
        .merge(
            // A ticket's file may be larger than the default body limit.
            OpenApiRouter::new()
                .routes(routes!(tickets::attachments, tickets::attach))
                .layer(axum::extract::DefaultBodyLimit::max(
                    yiyin_blobs::MAX_FILE_BYTES + 1024,
                )),
        )
        .merge(
            // An uploaded PDF may be larger than the default body limit.
            OpenApiRouter::new().routes(routes!(seals::verify)).layer(
                axum::extract::DefaultBodyLimit::max(yiyin_blobs::MAX_FILE_BYTES + 1024),
            ),
        )
}
