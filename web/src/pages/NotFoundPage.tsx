import { useDocumentTitle } from "../hooks";
import { Link } from "../router";
import { Empty, PageTitle } from "../components/ui";

export function NotFoundPage() {
  useDocumentTitle("Not found");
  return (
    <>
      <PageTitle>Page not found</PageTitle>
      <Empty title="There is nothing at this address">
        <Link to="/tasks" className="font-semibold text-brand-700 underline">
          Browse tasks
        </Link>
      </Empty>
    </>
  );
}
