//! Persistence of construction projects by stage (工程建设项目审批): a jurisdiction's scheme of
//! stages (JSON), the projects registered (项目代码 unique in a jurisdiction), which received
//! bundle is which stage of which project (`bundles.project_id`, `bundles.project_stage`), and the
//! materials a project has given once. The rules are `yiyin_domain::project`'s.

use yiyin_domain::project::{InvestmentType, Project, Scheme};

use crate::paging::IdPage;
use crate::rows::{Json, insert, record, select, sql};
use crate::{Conflict, Result, Store, StoreError, WriteTx};

record! {
    /// A project as stored.
    #[derive(Debug, Clone)]
    pub struct ProjectRecord {
        pub id: i64,
        pub jurisdiction: String,
        pub code: String,
        pub name: String,
        pub builder: String,
        pub builder_code: String,
        pub location: String,
        pub investment: String,
        pub registered_by: i64,
        pub registered_at: i64,
    }
}

impl ProjectRecord {
    /// The project as the domain has it.
    pub fn project(&self) -> Project {
        Project {
            code: self.code.clone(),
            name: self.name.clone(),
            builder: self.builder.clone(),
            builder_code: self.builder_code.clone(),
            location: self.location.clone(),
            investment: InvestmentType::parse(&self.investment).unwrap_or(InvestmentType::Social),
        }
    }
}

record! {
    struct SchemeRow {
        body: Json<Scheme>,
    }
}

record! {
    /// A bundle received as a stage of a project.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct StageLink {
        pub id: i64,
        pub project_stage: String,
    }
}

record! {
    /// A material a project has given, by name, with the stage and bundle that took it first.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct ProjectMaterial {
        pub name: String,
        pub stage: String,
        pub bundle_id: i64,
    }
}

impl WriteTx {
    /// Writes a jurisdiction's scheme of stages, replacing the one before.
    pub async fn put_project_scheme(
        &mut self,
        jurisdiction: &str,
        scheme: &Scheme,
        by: &str,
        at_ms: i64,
    ) -> Result<()> {
        sql!(
            "INSERT INTO project_schemes (jurisdiction, body, updated_by, updated_at)
             VALUES ($1, $2, $3, $4)
             ON CONFLICT (jurisdiction) DO UPDATE SET body = $2, updated_by = $3, updated_at = $4";
            jurisdiction, serde_json::to_string(scheme)?, by, at_ms)
        .run(&mut **self)
        .await
    }

    /// Writes a registered project; returns its id. A project code already registered in the
    /// jurisdiction is a conflict.
    pub async fn insert_project(
        &mut self,
        jurisdiction: &str,
        p: &Project,
        registered_by: i64,
        at_ms: i64,
    ) -> Result<i64> {
        let result = insert!("projects";
            jurisdiction, code = p.code.trim(), name = p.name.trim(),
            builder = p.builder.trim(), builder_code = p.builder_code.trim(),
            location = p.location.trim(), investment = p.investment.code(),
            registered_by, registered_at = at_ms;
            "RETURNING id")
        .scalar(&mut **self)
        .await;
        match result {
            Err(e) if e.is_unique_violation() => Err(StoreError::Conflict(Conflict::Taken {
                what: "project code",
                value: format!("{jurisdiction}/{}", p.code.trim()),
            })),
            other => other,
        }
    }

    /// Marks a received bundle as a stage of a project.
    pub async fn set_bundle_project(
        &mut self,
        bundle_id: i64,
        project_id: i64,
        stage: &str,
    ) -> Result<()> {
        sql!("UPDATE bundles SET project_id = $1, project_stage = $2 WHERE id = $3";
            project_id, stage, bundle_id)
        .run_once(&mut **self, "bundle")
        .await
    }

    /// The stages of a project received so far, as this transaction sees them.
    pub async fn project_stages(&mut self, project_id: i64) -> Result<Vec<StageLink>> {
        stages_of(project_id).all(&mut **self).await
    }

    /// Records a material the project has given (the first stage that took it keeps it).
    pub async fn add_project_material(
        &mut self,
        project_id: i64,
        name: &str,
        stage: &str,
        bundle_id: i64,
        at_ms: i64,
    ) -> Result<()> {
        sql!(
            "INSERT INTO project_materials (project_id, name, stage, bundle_id, given_at)
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (project_id, name) DO NOTHING";
            project_id, name, stage, bundle_id, at_ms)
        .run(&mut **self)
        .await
    }
}

fn stages_of(project_id: i64) -> crate::rows::Statement<'static> {
    let from = "bundles WHERE project_id = $1 ORDER BY id";
    sql!(select::<StageLink>(from); project_id)
}

impl Store {
    /// A jurisdiction's scheme of stages, if it has one.
    pub async fn project_scheme(&self, jurisdiction: &str) -> Result<Option<Scheme>> {
        let row: Option<SchemeRow> =
            sql!(select::<SchemeRow>("project_schemes WHERE jurisdiction = $1"); jurisdiction)
                .optional(self.reader())
                .await?;
        Ok(row.map(|r| r.body.0))
    }

    /// A project.
    pub async fn project(&self, id: i64) -> Result<Option<ProjectRecord>> {
        sql!(select::<ProjectRecord>("projects WHERE id = $1"); id)
            .optional(self.reader())
            .await
    }

    /// A page of a jurisdiction's projects, newest first, before the project `after` (keyset
    /// pagination), `limit` a page (1 to 1 000), with how many the jurisdiction has.
    pub async fn project_page(
        &self,
        jurisdiction: &str,
        after: Option<i64>,
        limit: i64,
    ) -> Result<IdPage<ProjectRecord>> {
        let limit = limit.clamp(1, 1000);
        let from = "projects WHERE jurisdiction = $1 AND id < $2 ORDER BY id DESC LIMIT $3";
        let rows: Vec<ProjectRecord> =
            sql!(select::<ProjectRecord>(from); jurisdiction, after.unwrap_or(i64::MAX), limit + 1)
                .all(self.reader())
                .await?;
        let count = sql!("SELECT COUNT(*) FROM projects WHERE jurisdiction = $1"; jurisdiction)
            .scalar(self.reader())
            .await?;
        Ok(IdPage::cut(rows, limit, count, |r| r.id))
    }

    /// The projects of a builder (by its credit code), newest first.
    pub async fn projects_of_builder(&self, builder_code: &str) -> Result<Vec<ProjectRecord>> {
        let from = "projects WHERE builder_code = $1 ORDER BY id DESC";
        sql!(select::<ProjectRecord>(from); builder_code)
            .all(self.reader())
            .await
    }

    /// The stages of a project received so far (bundle id, stage code), in order of receipt.
    pub async fn project_stages(&self, project_id: i64) -> Result<Vec<StageLink>> {
        stages_of(project_id).all(self.reader()).await
    }

    /// The materials a project has given, by name.
    pub async fn project_materials(&self, project_id: i64) -> Result<Vec<ProjectMaterial>> {
        let from = "project_materials WHERE project_id = $1 ORDER BY given_at, name";
        sql!(select::<ProjectMaterial>(from); project_id)
            .all(self.reader())
            .await
    }
}
