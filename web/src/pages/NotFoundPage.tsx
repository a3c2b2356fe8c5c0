import { useDocumentTitle } from "../hooks";
import { Link } from "../router";
import { Empty, PageTitle } from "../components/ui";
import { strings } from "../strings";

const t = strings.notFound;

export function NotFoundPage() {
  useDocumentTitle(t.docTitle);
  return (
    <>
      <PageTitle>{t.title}</PageTitle>
      <Empty title={t.text}>
        <Link to="/tasks" className="font-semibold text-brand-700 underline">
          {t.browse}
        </Link>
      </Empty>
    </>
  );
}
