//! Files attached to requests-centre tickets, through the use cases, on both databases: photos and
//! PDFs given at intake (hotline agent, applicant, public form) and the department's evidence with
//! its reply, each act in the chain; downloads by the centre, the department holding the ticket
//! and the applicant who filed it, denied to another department, another applicant and the public
//! (who learns only a count); a wrong kind, a too large file and a sixth file refused in Chinese
//! with nothing stored.

use yiyin_app::cases::Upload;
use yiyin_app::tickets::{FILES_PER_STAGE, TicketInput};
use yiyin_domain::tickets::TicketState;
use yiyin_testkit::TestApp;
use yiyin_testkit::errors::*;
use yiyin_testkit::on_both;
use yiyin_testkit::tickets::{HANYIN, centre};

on_both!(yiyin_testkit::app::run;
    files_go_with_the_ticket_and_its_reply,
    only_the_tickets_readers_download_its_files,
    bad_files_change_nothing,
);

fn call(phone: &str) -> TicketInput {
    TicketInput {
        jurisdiction: HANYIN.into(),
        ticket_type: "投诉".into(),
        category: "food".into(),
        content: "超市出售过期酸奶".into(),
        location: "城关镇东街12号".into(),
        caller_name: Some("李华".into()),
        caller_phone: Some(phone.into()),
        ..TicketInput::default()
    }
}

fn png(name: &str, tag: &str) -> Upload {
    let mut bytes = b"\x89PNG\r\n\x1a\n".to_vec();
    bytes.extend_from_slice(tag.as_bytes());
    Upload {
        material: "attachments".into(),
        name: name.into(),
        bytes,
    }
}

fn pdf(name: &str, tag: &str) -> Upload {
    Upload {
        material: "attachments".into(),
        name: name.into(),
        bytes: format!("%PDF-1.4\n% {tag}\n%%EOF\n").into_bytes(),
    }
}

async fn files_go_with_the_ticket_and_its_reply(t: TestApp) {
    let c = centre(&t).await;
    let photo = png("货架照片.png", "shelf");
    let receipt = pdf("购物小票.pdf", "receipt");
    let r = t
        .register_ticket_with_files(
            &c.agent,
            &call("13800001111"),
            &[photo.clone(), receipt.clone()],
        )
        .await
        .unwrap();
    let id = r.ticket.id;
    let files = &r.ticket.attachments;
    assert_eq!(files.len(), 2, "{files:?}");
    assert!(files.iter().all(|f| f.stage == "intake"));
    let names: Vec<_> = files.iter().map(|f| f.file_name.as_str()).collect();
    assert_eq!(names, ["货架照片.png", "购物小票.pdf"]);
    assert_eq!(files[0].content_type, "image/png");
    assert_eq!(files[1].content_type, "application/pdf");
    assert_eq!(files[1].size, receipt.bytes.len() as i64);
    assert!(
        files[0]
            .uploaded_by
            .as_deref()
            .unwrap()
            .contains("hy.centre")
    );
    assert_eq!(t.logged("ticket_attach").await, 1);
    assert!(
        r.ticket
            .steps
            .iter()
            .any(|s| s.action == "attach" && s.note.contains("2个"))
    );

    // The department replies with its evidence, in the same act.
    t.dispatch_ticket(&c.agent, id, None).await.unwrap();
    t.sign_ticket(&c.market, id).await.unwrap();
    let evidence = png("整改现场.png", "fixed");
    let v = t
        .reply_ticket_with_files(
            &c.market,
            id,
            "已责令下架并立案调查",
            std::slice::from_ref(&evidence),
        )
        .await
        .unwrap();
    assert_eq!(v.state, TicketState::Replied);
    let reply: Vec<_> = v
        .attachments
        .iter()
        .filter(|f| f.stage == "reply")
        .collect();
    assert_eq!(reply.len(), 1);
    assert_eq!(reply[0].stage_label, "办理佐证材料");
    assert_eq!(t.logged("ticket_attach").await, 2);
    let (f, bytes) = t
        .ticket_attachment(&c.agent, id, reply[0].id)
        .await
        .unwrap();
    assert_eq!(bytes, evidence.bytes);
    assert_eq!(f.file_name, "整改现场.png");

    // An applicant's portal request and the public form carry files too.
    let applicant = t.applicant("610921199001010012", "赵六").await;
    let mine = t
        .register_ticket_with_files(&applicant, &call("13800002222"), &[pdf("合同.pdf", "c")])
        .await
        .unwrap();
    assert_eq!(mine.ticket.attachments.len(), 1);
    let mut anon = call("");
    anon.caller_phone = None;
    anon.caller_name = None;
    let public = t
        .register_public_ticket_with_files(&anon, &[png("现场.png", "p")])
        .await
        .unwrap();
    let seen = t.ticket_view(&c.agent, public.ticket.id).await.unwrap();
    assert_eq!(seen.attachments.len(), 1);
    assert_eq!(seen.source, "public");
    // Added later by the applicant, to their own ticket.
    let all = t
        .add_ticket_files(&applicant, mine.ticket.id, &[png("补充.png", "more")])
        .await
        .unwrap();
    assert_eq!(all.len(), 2);
    assert!(all.iter().all(|f| f.uploaded_by.is_none()), "{all:?}");
    assert_eq!(t.logged("ticket_attach").await, 5);
}

async fn only_the_tickets_readers_download_its_files(t: TestApp) {
    let c = centre(&t).await;
    let owner = t.applicant("610921199001010012", "赵六").await;
    let other = t.applicant("11010519491231002X", "钱七").await;
    let photo = png("证据.png", "evidence");
    let r = t
        .register_ticket_with_files(&owner, &call("13800003333"), std::slice::from_ref(&photo))
        .await
        .unwrap();
    let id = r.ticket.id;
    let aid = r.ticket.attachments[0].id;

    // The applicant who filed it and the centre.
    assert_eq!(
        t.ticket_attachment(&owner, id, aid).await.unwrap().1,
        photo.bytes
    );
    assert_eq!(
        t.ticket_attachment(&c.agent, id, aid).await.unwrap().1,
        photo.bytes
    );
    // The department only once the ticket is dispatched to it; never another department.
    assert_forbidden(t.ticket_attachment(&c.market, id, aid).await, "无权查看");
    t.dispatch_ticket(&c.agent, id, None).await.unwrap();
    assert_eq!(
        t.ticket_attachment(&c.market, id, aid).await.unwrap().1,
        photo.bytes
    );
    assert_forbidden(t.ticket_attachment(&c.housing, id, aid).await, "无权查看");
    assert_forbidden(t.ticket_files(&c.housing, id).await, "无权查看");
    assert_forbidden(
        t.add_ticket_files(&c.housing, id, &[png("x.png", "x")])
            .await,
        "无权查看",
    );
    // Another applicant.
    assert_forbidden(t.ticket_attachment(&other, id, aid).await, "本人");
    assert_forbidden(t.ticket_files(&other, id).await, "本人");
    // The public learns only how many files there are.
    let p = t
        .track_ticket(&r.ticket.number, &r.query_code)
        .await
        .unwrap();
    assert_eq!(p.attachment_count, 1);
    let text = serde_json::to_string(&p).unwrap();
    assert!(!text.contains("证据.png"), "{text}");
    // A file of another ticket is not reached through this one.
    let second = t
        .register_ticket_with_files(&c.agent, &call("13800004444"), &[pdf("b.pdf", "b")])
        .await
        .unwrap();
    let foreign = second.ticket.attachments[0].id;
    assert!(not_found(t.ticket_attachment(&owner, id, foreign).await).contains("没有该附件"));
}

async fn bad_files_change_nothing(t: TestApp) {
    let c = centre(&t).await;
    let before = t.logged("ticket_create").await;
    // A wrong kind of file.
    let text = Upload {
        material: "attachments".into(),
        name: "说明.txt".into(),
        bytes: "纯文本".as_bytes().to_vec(),
    };
    let e = invalid(
        t.register_ticket_with_files(&c.agent, &call("13800005555"), &[png("a.png", "a"), text])
            .await,
    );
    assert!(e.contains("不是PDF、JPG、PNG或OFD文件"), "{e}");
    // Too large.
    let mut big = pdf("扫描件.pdf", "big");
    big.bytes.resize(yiyin_blobs::MAX_FILE_BYTES + 1, b' ');
    let e = invalid(
        t.register_ticket_with_files(&c.agent, &call("13800005555"), &[big.clone()])
            .await,
    );
    assert!(e.contains("超过10MB"), "{e}");
    // A sixth file.
    let six: Vec<Upload> = (0..=FILES_PER_STAGE)
        .map(|i| png(&format!("{i}.png"), &i.to_string()))
        .collect();
    let e = invalid(
        t.register_public_ticket_with_files(&call("13800005555"), &six)
            .await,
    );
    assert!(e.contains("最多5个"), "{e}");
    // Nothing was registered or attached.
    assert_eq!(t.logged("ticket_create").await, before);
    assert_eq!(t.logged("ticket_attach").await, 0);
    assert!(
        t.centre_queue(&c.agent, HANYIN)
            .await
            .unwrap()
            .pending
            .is_empty()
    );

    // A reply with a bad file is not given, and its good files are not kept.
    let id = t
        .register_ticket(&c.agent, &call("13800005555"))
        .await
        .unwrap()
        .ticket
        .id;
    t.dispatch_ticket(&c.agent, id, None).await.unwrap();
    t.sign_ticket(&c.market, id).await.unwrap();
    let e = invalid(
        t.reply_ticket_with_files(&c.market, id, "已处理", &[png("ok.png", "ok"), big])
            .await,
    );
    assert!(e.contains("超过10MB"), "{e}");
    let v = t.ticket_view(&c.agent, id).await.unwrap();
    assert_eq!(v.state, TicketState::InProgress);
    assert!(v.attachments.is_empty());
    assert!(v.reply.is_none());
    // Five evidence files before the reply fill the stage: the reply's sixth is refused.
    let five: Vec<Upload> = (0..FILES_PER_STAGE)
        .map(|i| png(&format!("{i}.png"), &format!("e{i}")))
        .collect();
    t.add_ticket_files(&c.market, id, &five).await.unwrap();
    let e = invalid(
        t.reply_ticket_with_files(&c.market, id, "已处理", &[png("6.png", "e6")])
            .await,
    );
    assert!(e.contains("已有5个"), "{e}");
    let v = t.ticket_view(&c.agent, id).await.unwrap();
    assert_eq!(v.state, TicketState::InProgress);
    assert_eq!(v.attachments.len(), FILES_PER_STAGE);
    // An empty upload is refused with a message.
    let e = invalid(t.add_ticket_files(&c.agent, id, &[]).await);
    assert!(e.contains("请选择"), "{e}");
}
