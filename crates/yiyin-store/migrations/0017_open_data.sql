-- Open data (政务公开): the approvals a jurisdiction published are read by issue date.
CREATE INDEX licences_by_jurisdiction ON licences (jurisdiction, issued_on, id);
